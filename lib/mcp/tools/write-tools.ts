import { toFlagChange } from '../../http/flags.js';
import { parseMailboxTarget } from '../../http/mailbox-ref.js';
import { deleteMessageQuery, transferBody, updateMessageBody } from '../../http/schemas/write.schema.js';
import { trashOnlyRefusal } from '../../mail/writes.js';
import { toolResult } from '../results.js';
import type { McpSession } from '../session.js';
import { jsonTypedShape, parseAsQuery } from '../tool-input.js';
import { accountField, mailboxField, messageIdField, parsed, type ToolSpec } from './define.js';

function callTimeout(session: McpSession): number {
  return session.deps.config.MAILGATE_REQUEST_TIMEOUT_MS;
}

const setFlags: ToolSpec = {
  name: 'set_flags',
  description:
    'Changes a message\'s flags: `{"add": ["\\\\Seen"]}`, `{"remove": ["\\\\Flagged"]}` or `{"set": [...]}` (replaces ' +
    'all). System flags: \\Seen \\Answered \\Flagged \\Deleted \\Draft; keywords such as $Forwarded. Answers the ' +
    'flags after the change.',
  inputSchema: { account: accountField, id: messageIdField, flags: updateMessageBody.shape.flags },
  annotations: {
    title: 'Set flags',
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  write: true,
  async run(session, args, cancel) {
    const { flags } = parsed(updateMessageBody.safeParse({ flags: args.flags }));
    const change = toFlagChange(flags);
    const account = await session.account(args.account as string);
    session.requireCapability(account, 'flags');
    const id = args.id as string;
    const result = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.updateFlags(null, id, change),
    );
    return toolResult(
      { id: result.id, flags: result.flags },
      `Flags now: ${result.flags.join(' ') || '(none)'}`,
    );
  },
};

const moveMessage: ToolSpec = {
  name: 'move_message',
  description:
    'Moves a message to another mailbox (a path or a role such as `~archive`). Answers its new id, which ' +
    'replaces the old one.',
  inputSchema: { account: accountField, id: messageIdField, to: mailboxField },
  annotations: { title: 'Move a message', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  write: true,
  async run(session, args, cancel) {
    const { to } = parsed(transferBody.safeParse({ to: args.to }));
    const account = await session.account(args.account as string);
    session.requireCapability(account, 'move');
    const destination = parseMailboxTarget(to);
    const id = args.id as string;
    const moved = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.moveMessage(null, id, destination),
    );
    return toolResult(
      { id: moved.id, mailbox: moved.mailbox },
      `Moved to ${moved.mailbox}; new id ${moved.id}`,
    );
  },
};

const deleteMessage: ToolSpec = {
  name: 'delete_message',
  description:
    'Moves a message to the Trash (answers its id there). Only with `permanent: true` is it expunged for good, ' +
    'which cannot be undone. Without it, a delete that cannot move to the Trash (the account has no Trash, the ' +
    'message is already there, or a POP3 account) is refused `unsupported_operation` and nothing changes.',
  inputSchema: { account: accountField, id: messageIdField, ...jsonTypedShape(deleteMessageQuery.shape) },
  annotations: {
    title: 'Delete a message',
    readOnlyHint: false,
    destructiveHint: true,
    openWorldHint: false,
  },
  write: true,
  async run(session, args, cancel) {
    const permanent = parsed(parseAsQuery(deleteMessageQuery, args)).permanent === 'true';
    const account = await session.account(args.account as string);
    // POP3 has no Trash: refused from the account alone, before connecting.
    if (!permanent && account.protocol === 'pop3') throw trashOnlyRefusal(false);
    const id = args.id as string;
    // `trashOnly`: the store refuses rather than expunge a message the caller did not ask to lose.
    const outcome = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.deleteMessage(null, id, { permanent, trashOnly: !permanent }),
    );
    if (outcome.kind === 'expunged') return toolResult({ expunged: true }, 'Deleted for good.');
    return toolResult(
      { expunged: false, id: outcome.id, mailbox: outcome.mailbox },
      `Moved to ${outcome.mailbox}; id there ${outcome.id}`,
    );
  },
};

export const WRITE_TOOLS: readonly ToolSpec[] = [setFlags, moveMessage, deleteMessage];
