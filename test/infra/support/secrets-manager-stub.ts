import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStub {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  endpoint: string;
  /** Secret ids asked for, in order. */
  requested: string[];
  /** Every call, in order: the action (`GetSecretValue`, `PutSecretValue`, …) and the secret. */
  calls: Array<{ action: string; secretId: string }>;
  /** The secrets now, as the writes left them. */
  secrets: Map<string, string>;
  /** The SigV4 Authorization headers received: proof the real SDK client signed them. */
  authorizations: string[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const WRITE_ACTIONS = new Set(['PutSecretValue', 'CreateSecret', 'DescribeSecret', 'DeleteSecret']);

/**
 * Secrets Manager's wire protocol (AWS JSON 1.1) on loopback, answering
 * from `secrets` by name: GetSecretValue, and the actions the store's write
 * methods call (PutSecretValue, CreateSecret, DescribeSecret, DeleteSecret).
 * The bundled SDK client cannot be injected into a bundle, so the stub sits
 * behind the endpoint override instead: everything from signing to response
 * parsing is the real client. `calls` says which function did what.
 */
export async function startSecretsManagerStub(initial: Record<string, string>): Promise<SecretsManagerStub> {
  const secrets = new Map(Object.entries(initial));
  const requested: string[] = [];
  const authorizations: string[] = [];
  const calls: SecretsManagerStub['calls'] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    authorizations.push(String(request.headers.authorization ?? ''));
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    const notFound = () =>
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    const action = String(request.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    const input = JSON.parse(body) as { SecretId?: string; Name?: string; SecretString?: string };
    const name = String(input.SecretId ?? input.Name);
    calls.push({ action, secretId: name });
    const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
    if (WRITE_ACTIONS.has(action)) {
      if (action === 'CreateSecret') {
        if (secrets.has(name)) {
          reply(400, { __type: 'ResourceExistsException', message: 'the secret already exists' });
          return;
        }
        secrets.set(name, String(input.SecretString));
        reply(200, { ARN: arn, Name: name, VersionId: '00000000-0000-0000-0000-000000000002' });
        return;
      }
      if (!secrets.has(name)) return notFound();
      if (action === 'PutSecretValue') secrets.set(name, String(input.SecretString));
      if (action === 'DeleteSecret') secrets.delete(name);
      reply(200, { ARN: arn, Name: name });
      return;
    }
    if (action !== 'GetSecretValue') {
      reply(400, { __type: 'AccessDeniedException', message: `${action} is not allowed` });
      return;
    }
    const SecretId = name;
    requested.push(SecretId);
    const value = secrets.get(SecretId);
    if (value === undefined) return notFound();
    reply(200, {
      ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${SecretId}-AbCdEf`,
      Name: SecretId,
      SecretString: value,
      VersionId: '00000000-0000-0000-0000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_767_225_600,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requested,
    calls,
    secrets,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
