import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventPayload } from '../../../lib/webhooks/events.js';
import { WEBHOOK_ID_PATTERN, type WebhookRepository } from '../../../lib/webhooks/repository.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

/**
 * The contract of the webhook storage port (lib/webhooks/repository.ts),
 * written once and run against each adapter: the local store here, the
 * DynamoDB adapter later. An adapter passes a factory that makes an empty
 * store reading the given clock.
 */

export interface RepositorySubject {
  repository: WebhookRepository;
  /** Closes the store and opens it again over the same storage. */
  reopen(): Promise<WebhookRepository>;
  /** Closes whatever is open and removes the storage. */
  dispose(): Promise<void>;
}

export type RepositoryFactory = (options: { now: () => Date }) => Promise<RepositorySubject>;

const T0 = Date.parse('2026-05-01T12:00:00.000Z');

export function describeWebhookRepositoryContract(name: string, factory: RepositoryFactory): void {
  describe(`WebhookRepository contract: ${name}`, () => {
    let clock = T0;
    let subject: RepositorySubject;
    let repo: WebhookRepository;
    const at = (ms: number) => new Date(T0 + ms);

    beforeEach(async () => {
      clock = T0;
      subject = await factory({ now: () => new Date(clock) });
      repo = subject.repository;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    const reopen = async () => {
      repo = await subject.reopen();
      return repo;
    };

    describe('webhook records', () => {
      test('create stores the record as given, active, with an id and timestamps', async () => {
        const input = buildNewWebhook();
        const created = await repo.create(input);
        expect(created).toEqual({
          ...input,
          id: expect.stringMatching(WEBHOOK_ID_PATTERN),
          status: 'active',
          lastError: null,
          nextRetryAt: null,
          disabledReason: null,
          createdAt: at(0).toISOString(),
          updatedAt: at(0).toISOString(),
        });
        expect(await repo.get('acme', created.id)).toEqual(created);
        expect((await repo.create(input)).id).not.toBe(created.id);
      });

      test("another account's webhook is invisible: get, list, update and delete see nothing", async () => {
        const mine = await repo.create(buildNewWebhook({ account: 'acme' }));
        const theirs = await repo.create(buildNewWebhook({ account: 'globex' }));
        expect(await repo.get('globex', mine.id)).toBeUndefined();
        expect((await repo.list('globex')).map((w) => w.id)).toEqual([theirs.id]);
        expect(await repo.update('globex', mine.id, { url: 'https://evil.example/' })).toBeUndefined();
        expect(await repo.delete('globex', mine.id)).toBe(false);
        expect(await repo.get('acme', mine.id)).toEqual(mine);
        expect(await repo.get('acme', 'wh_000000000000000000000000')).toBeUndefined();
      });

      test('list gives the account’s webhooks oldest first', async () => {
        const first = await repo.create(buildNewWebhook());
        clock += 1000;
        const second = await repo.create(buildNewWebhook());
        await repo.create(buildNewWebhook({ account: 'globex' }));
        expect((await repo.list('acme')).map((w) => w.id)).toEqual([first.id, second.id]);
        expect(await repo.list('nobody')).toEqual([]);
      });

      test('update changes the fields given and updatedAt, nothing else', async () => {
        const created = await repo.create(buildNewWebhook());
        clock += 5000;
        const updated = await repo.update('acme', created.id, {
          url: 'https://other.example.com/hook',
          mailboxes: ['Sent'],
        });
        expect(updated).toEqual({
          ...created,
          url: 'https://other.example.com/hook',
          mailboxes: ['Sent'],
          updatedAt: at(5000).toISOString(),
        });
        expect(await repo.get('acme', created.id)).toEqual(updated);
        expect(await repo.update('acme', 'wh_000000000000000000000000', { url: 'x' })).toBeUndefined();
      });

      test('records handed out are copies: changing one changes nothing stored', async () => {
        const created = await repo.create(buildNewWebhook());
        created.mailboxes.push('Spam');
        const got = (await repo.get('acme', created.id))!;
        expect(got.mailboxes).toEqual(['~inbox', 'Archive/2026']);
        got.url = 'https://changed.example/';
        (await repo.list('acme'))[0]!.events.length = 0;
        expect(await repo.get('acme', created.id)).toMatchObject({
          url: 'https://hooks.example.com/mail',
          events: ['message.created', 'message.deleted'],
        });
      });

      test('delete removes the webhook with its cursors and queue', async () => {
        const created = await repo.create(buildNewWebhook());
        await repo.commitChanges(created.id, 'INBOX', {
          expectedState: null,
          nextState: 's1',
          events: [buildCreated(1)],
        });
        expect(await repo.delete('acme', created.id)).toBe(true);
        expect(await repo.get('acme', created.id)).toBeUndefined();
        expect(await repo.getCursor(created.id, 'INBOX')).toBeUndefined();
        expect(await repo.listQueued(created.id, 10)).toEqual([]);
        expect(await repo.nextDue(at(0), 10)).toEqual([]);
        expect(await repo.delete('acme', created.id)).toBe(false);
        expect(
          await repo.commitChanges(created.id, 'INBOX', { expectedState: 's1', nextState: 's2', events: [] }),
        ).toBe(false);
        expect(await repo.enqueue(created.id, [buildCreated(2)])).toBe(false);
      });

      test('listActive gives every account’s webhooks that are not disabled', async () => {
        const a = await repo.create(buildNewWebhook({ account: 'acme' }));
        const b = await repo.create(buildNewWebhook({ account: 'globex' }));
        const c = await repo.create(buildNewWebhook({ account: 'initech' }));
        await repo.update('acme', a.id, { status: 'failing', lastError: 'HTTP 500' });
        await repo.update('initech', c.id, { status: 'disabled', disabledReason: 'paused' });
        expect((await repo.listActive()).map((w) => w.id).sort()).toEqual([a.id, b.id].sort());
      });
    });

    describe('cursors and commitChanges', () => {
      test('the first commit expects no state; each later one the state before it', async () => {
        const { id } = await repo.create(buildNewWebhook());
        expect(await repo.getCursor(id, 'INBOX')).toBeUndefined();
        expect(
          await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] }),
        ).toBe(true);
        expect(await repo.getCursor(id, 'INBOX')).toBe('s1');
        expect(
          await repo.commitChanges(id, 'INBOX', {
            expectedState: 's1',
            nextState: 's3',
            events: [buildCreated(2), buildCreated(3)],
          }),
        ).toBe(true);
        expect(await repo.getCursor(id, 'INBOX')).toBe('s3');
        expect(await repo.listCursors(id)).toEqual({ INBOX: 's3' });
        expect((await repo.listQueued(id, 10)).map((q) => q.event.data)).toMatchObject([
          { state: 's2' },
          { state: 's3' },
        ]);
      });

      test('a stale expected state changes nothing: no event queued, cursor kept', async () => {
        const { id } = await repo.create(buildNewWebhook());
        await repo.commitChanges(id, 'INBOX', {
          expectedState: null,
          nextState: 's1',
          events: [buildCreated(1)],
        });
        for (const expectedState of [null, 's0', 's2']) {
          expect(
            await repo.commitChanges(id, 'INBOX', {
              expectedState,
              nextState: 's9',
              events: [buildCreated(9)],
            }),
          ).toBe(false);
        }
        expect(await repo.getCursor(id, 'INBOX')).toBe('s1');
        expect((await repo.listQueued(id, 10)).map((q) => q.event.data)).toMatchObject([{ state: 's1' }]);
      });

      test('cursors are per mailbox and per webhook', async () => {
        const one = await repo.create(buildNewWebhook());
        const two = await repo.create(buildNewWebhook());
        await repo.commitChanges(one.id, 'INBOX', { expectedState: null, nextState: 'a', events: [] });
        await repo.commitChanges(one.id, 'Sent', { expectedState: null, nextState: 'b', events: [] });
        expect(
          await repo.commitChanges(two.id, 'INBOX', { expectedState: null, nextState: 'c', events: [] }),
        ).toBe(true);
        expect(await repo.listCursors(one.id)).toEqual({ INBOX: 'a', Sent: 'b' });
        expect(await repo.listCursors(two.id)).toEqual({ INBOX: 'c' });
      });

      test('update with keepCursors drops every other cursor of the webhook, with the patch, and keeps its queue', async () => {
        const one = await repo.create(buildNewWebhook({ mailboxes: ['INBOX', 'Sent', 'Archive'] }));
        const two = await repo.create(buildNewWebhook());
        await repo.commitChanges(one.id, 'INBOX', { expectedState: null, nextState: 'a', events: [] });
        await repo.commitChanges(one.id, 'Sent', {
          expectedState: null,
          nextState: 'b',
          events: [buildCreated(1, 'Sent')],
        });
        await repo.commitChanges(one.id, 'Archive', { expectedState: null, nextState: 'c', events: [] });
        await repo.commitChanges(two.id, 'Sent', { expectedState: null, nextState: 'd', events: [] });
        clock += 1000;
        const updated = await repo.update('acme', one.id, { mailboxes: ['INBOX'], keepCursors: ['INBOX'] });
        expect(updated).toMatchObject({ mailboxes: ['INBOX'], updatedAt: at(1000).toISOString() });
        expect(updated).not.toHaveProperty('keepCursors');
        expect(await repo.get('acme', one.id)).toEqual(updated);
        expect(await repo.listCursors(one.id)).toEqual({ INBOX: 'a' });
        expect(await repo.getCursor(one.id, 'Sent')).toBeUndefined();
        // What was queued stays; another webhook's cursors stay.
        expect((await repo.listQueued(one.id, 10)).map((q) => q.event.data)).toMatchObject([
          { mailbox: 'Sent' },
        ]);
        expect(await repo.listCursors(two.id)).toEqual({ Sent: 'd' });
        // A dropped cursor starts again with no state expected.
        expect(
          await repo.commitChanges(one.id, 'Sent', { expectedState: 'b', nextState: 'e', events: [] }),
        ).toBe(false);
        expect(
          await repo.commitChanges(one.id, 'Sent', { expectedState: null, nextState: 'e', events: [] }),
        ).toBe(true);
        expect(await (await reopen()).listCursors(one.id)).toEqual({ INBOX: 'a', Sent: 'e' });
      });

      test('update with only keepCursors drops cursors and leaves the record as it was', async () => {
        const created = await repo.create(buildNewWebhook());
        await repo.commitChanges(created.id, 'INBOX', { expectedState: null, nextState: 'a', events: [] });
        await repo.commitChanges(created.id, 'Sent', { expectedState: null, nextState: 'b', events: [] });
        clock += 1000;
        expect(await repo.update('acme', created.id, { keepCursors: ['Sent'] })).toEqual(created);
        expect(await repo.get('acme', created.id)).toEqual(created);
        expect(await repo.listCursors(created.id)).toEqual({ Sent: 'b' });
        expect(await repo.update('acme', created.id, { keepCursors: [] })).toEqual(created);
        expect(await repo.listCursors(created.id)).toEqual({});
        expect(await repo.update('globex', created.id, { keepCursors: [] })).toBeUndefined();
        expect(await (await reopen()).get('acme', created.id)).toEqual(created);
      });

      test('of many concurrent commits from one state, exactly one wins and only its events are queued', async () => {
        const { id } = await repo.create(buildNewWebhook());
        await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's0', events: [] });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            repo.commitChanges(id, 'INBOX', {
              expectedState: 's0',
              nextState: `w${i}`,
              events: [buildCreated(100 + i), buildCreated(200 + i)],
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await repo.getCursor(id, 'INBOX')).toBe(`w${winner}`);
        expect((await repo.listQueued(id, 100)).map((q) => q.event.data)).toMatchObject([
          { state: `s${100 + winner}` },
          { state: `s${200 + winner}` },
        ]);
      });

      test('concurrent chains on several mailboxes each keep their order', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const chain = async (mailbox: string) => {
          let state: string | null = null;
          for (let n = 1; n <= 10; n += 1) {
            const ok = await repo.commitChanges(id, mailbox, {
              expectedState: state,
              nextState: `s${n}`,
              events: [buildCreated(n, mailbox)],
            });
            expect(ok).toBe(true);
            state = `s${n}`;
          }
        };
        await Promise.all(['INBOX', 'Sent', 'Archive'].map(chain));
        const queued = await repo.listQueued(id, 100);
        expect(queued).toHaveLength(30);
        for (const mailbox of ['INBOX', 'Sent', 'Archive']) {
          const states = queued
            .map((q) => q.event.data as { mailbox: string; state: string })
            .filter((data) => data.mailbox === mailbox)
            .map((data) => data.state);
          expect(states).toEqual(Array.from({ length: 10 }, (_, i) => `s${i + 1}`));
        }
      });

      test('a cursor of 300 KB (a watched POP3 maildrop keeps its UIDLs in it) is stored, compared and reopened whole', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const first = largeCursor('first', 300_000);
        const second = largeCursor('second', 300_000);
        expect(
          await repo.commitChanges(id, 'INBOX', {
            expectedState: null,
            nextState: first,
            events: [buildCreated(1)],
          }),
        ).toBe(true);
        expect(await repo.getCursor(id, 'INBOX')).toBe(first);
        expect(await repo.listCursors(id)).toEqual({ INBOX: first });
        // Compared in full: a state that differs in its last character, or lacks it, is stale.
        for (const expectedState of [
          `${first.slice(0, -1)}${first.endsWith('A') ? 'B' : 'A'}`,
          first.slice(0, -1),
        ]) {
          expect(
            await repo.commitChanges(id, 'INBOX', {
              expectedState,
              nextState: second,
              events: [buildCreated(9)],
            }),
          ).toBe(false);
        }
        expect(
          await repo.commitChanges(id, 'INBOX', {
            expectedState: first,
            nextState: second,
            events: [buildCreated(2)],
          }),
        ).toBe(true);
        await reopen();
        expect(await repo.getCursor(id, 'INBOX')).toBe(second);
        expect((await repo.listQueued(id, 10)).map((q) => q.event.data)).toMatchObject([
          { state: 's1' },
          { state: 's2' },
        ]);
      });
    });

    describe('the queue and delivery', () => {
      test('events are queued as given, unattempted, and read back to the same payload', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const events = [buildCreated(1), buildCreated(2)];
        await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's2', events });
        const queued = await repo.listQueued(id, 10);
        expect(queued).toEqual(
          events.map((event) => ({
            event,
            attempts: 0,
            firstFailureAt: null,
            nextAttemptAt: null,
            queuedAt: at(0).toISOString(),
          })),
        );
        expect(queued.map((q) => eventPayload(q.event))).toEqual(events.map(eventPayload));
        expect(await repo.listQueued(id, 1)).toHaveLength(1);
      });

      test('nextDue gives only each webhook’s head, with the webhook it goes to', async () => {
        const one = await repo.create(buildNewWebhook());
        const two = await repo.create(buildNewWebhook({ account: 'globex' }));
        const e1 = buildCreated(1);
        const e2 = buildCreated(2);
        const e3 = buildCreated(3, 'INBOX', 'globex');
        await repo.commitChanges(one.id, 'INBOX', { expectedState: null, nextState: 's2', events: [e1, e2] });
        clock += 10;
        await repo.enqueue(two.id, [e3]);
        const due = await repo.nextDue(at(10), 10);
        expect(due.map((d) => [d.webhook.id, d.queued.event.id])).toEqual([
          [one.id, e1.id],
          [two.id, e3.id],
        ]);
        expect(due[0]!.webhook).toEqual(await repo.get('acme', one.id));
        expect(await repo.nextDue(at(10), 1)).toHaveLength(1);
      });

      test('markDelivered removes the head only; the next event becomes due', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const [e1, e2] = [buildCreated(1), buildCreated(2)];
        await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's2', events: [e1!, e2!] });
        expect(await repo.markDelivered(id, e2!.id)).toBe(false);
        expect(await repo.markDelivered(id, e1!.id)).toBe(true);
        expect(await repo.markDelivered(id, e1!.id)).toBe(false);
        expect((await repo.nextDue(at(0), 10)).map((d) => d.queued.event.id)).toEqual([e2!.id]);
        expect(await repo.markDelivered(id, e2!.id)).toBe(true);
        expect(await repo.nextDue(at(0), 10)).toEqual([]);
        expect(await repo.getCursor(id, 'INBOX')).toBe('s2');
      });

      test('a failure counts the attempt, holds the head back until its retry, and marks the webhook failing', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const [e1, e2] = [buildCreated(1), buildCreated(2)];
        await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's2', events: [e1!, e2!] });
        clock += 1000;
        expect(await repo.markFailed(id, e2!.id, { error: 'HTTP 500', nextAttemptAt: at(6000) })).toBe(false);
        expect(await repo.markFailed(id, e1!.id, { error: 'HTTP 500', nextAttemptAt: at(6000) })).toBe(true);
        expect(await repo.get('acme', id)).toMatchObject({
          status: 'failing',
          lastError: 'HTTP 500',
          nextRetryAt: at(6000).toISOString(),
          updatedAt: at(1000).toISOString(),
        });
        // Head of line: the second event waits behind the first.
        expect(await repo.nextDue(at(5999), 10)).toEqual([]);
        clock += 5000;
        const [due] = await repo.nextDue(at(6000), 10);
        expect(due!.queued).toMatchObject({
          attempts: 1,
          firstFailureAt: at(1000).toISOString(),
          nextAttemptAt: at(6000).toISOString(),
        });
        expect(await repo.markFailed(id, e1!.id, { error: 'timed out', nextAttemptAt: at(40_000) })).toBe(
          true,
        );
        expect((await repo.listQueued(id, 1))[0]).toMatchObject({
          attempts: 2,
          firstFailureAt: at(1000).toISOString(),
        });
        expect(await repo.markDelivered(id, e1!.id)).toBe(true);
        expect(await repo.get('acme', id)).toMatchObject({
          status: 'active',
          lastError: null,
          nextRetryAt: null,
        });
        expect((await repo.listQueued(id, 1))[0]).toMatchObject({ attempts: 0, firstFailureAt: null });
      });

      test('disabling keeps queue and cursors; re-enabling resumes with the head due at once', async () => {
        const { id } = await repo.create(buildNewWebhook());
        const [e1, e2] = [buildCreated(1), buildCreated(2)];
        await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's2', events: [e1!, e2!] });
        await repo.markFailed(id, e1!.id, { error: 'HTTP 503', nextAttemptAt: at(5000) });
        clock += 86_400_000;
        expect(await repo.markFailed(id, e1!.id, { disable: 'Deliveries failed for 24 hours.' })).toBe(true);
        expect(await repo.get('acme', id)).toMatchObject({
          status: 'disabled',
          disabledReason: 'Deliveries failed for 24 hours.',
          nextRetryAt: null,
        });
        expect(await repo.nextDue(at(100_000_000), 10)).toEqual([]);
        expect(await repo.listActive()).toEqual([]);
        expect(await repo.getCursor(id, 'INBOX')).toBe('s2');
        expect(await repo.listQueued(id, 10)).toHaveLength(2);

        clock += 1000;
        const enabled = await repo.update('acme', id, { status: 'active' });
        expect(enabled).toMatchObject({
          status: 'active',
          disabledReason: null,
          lastError: null,
          nextRetryAt: null,
        });
        const [due] = await repo.nextDue(new Date(clock), 10);
        expect(due!.queued).toMatchObject({ attempts: 0, firstFailureAt: null, nextAttemptAt: null });
        expect(due!.queued.event.id).toBe(e1!.id);
        expect(
          await repo.commitChanges(id, 'INBOX', {
            expectedState: 's2',
            nextState: 's3',
            events: [buildCreated(3)],
          }),
        ).toBe(true);
      });

      test('an empty queue and a webhook without events are never due', async () => {
        await repo.create(buildNewWebhook());
        expect(await repo.nextDue(at(0), 10)).toEqual([]);
        expect(await repo.markDelivered('wh_000000000000000000000000', 'msg_x')).toBe(false);
        expect(await repo.markFailed('wh_000000000000000000000000', 'msg_x', { disable: 'x' })).toBe(false);
      });
    });

    test('everything reported done is there after a reopen', async () => {
      const a = await repo.create(buildNewWebhook());
      const b = await repo.create(buildNewWebhook({ account: 'globex' }));
      const events = [buildCreated(1), buildCreated(2), buildCreated(3)];
      await repo.commitChanges(a.id, 'INBOX', { expectedState: null, nextState: 's3', events });
      await repo.markDelivered(a.id, events[0]!.id);
      await repo.markFailed(a.id, events[1]!.id, { error: 'HTTP 502', nextAttemptAt: at(5000) });
      await repo.update('globex', b.id, { url: 'https://b.example/' });
      const before = {
        a: await repo.get('acme', a.id),
        b: await repo.get('globex', b.id),
        queued: await repo.listQueued(a.id, 10),
        cursors: await repo.listCursors(a.id),
      };
      await reopen();
      expect({
        a: await repo.get('acme', a.id),
        b: await repo.get('globex', b.id),
        queued: await repo.listQueued(a.id, 10),
        cursors: await repo.listCursors(a.id),
      }).toEqual(before);
      expect((await repo.listQueued(a.id, 10)).map((q) => eventPayload(q.event))).toEqual(
        events.slice(1).map(eventPayload),
      );
    });
  });
}

/** `pop3:v1:` and `length` characters of base64url that do not repeat, different for each `seed`. */
function largeCursor(seed: string, length: number): string {
  const chunks: string[] = [];
  let size = 0;
  let state = createHash('sha256').update(seed).digest();
  while (size < length) {
    state = createHash('sha256').update(state).digest();
    const chunk = state.toString('base64url');
    chunks.push(chunk);
    size += chunk.length;
  }
  return `pop3:v1:${chunks.join('').slice(0, length)}`;
}
