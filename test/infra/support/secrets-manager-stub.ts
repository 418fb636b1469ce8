import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStub {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  endpoint: string;
  /** Secret ids asked for, in order. */
  requested: string[];
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

/**
 * Secrets Manager's wire protocol (AWS JSON 1.1) for GetSecretValue only, on
 * loopback, answering from `secrets` by name. The bundled SDK client cannot
 * be injected into a bundle, so the stub sits behind the endpoint override
 * instead: everything from signing to response parsing is the real client.
 */
export async function startSecretsManagerStub(secrets: Record<string, string>): Promise<SecretsManagerStub> {
  const requested: string[] = [];
  const authorizations: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    authorizations.push(String(request.headers.authorization ?? ''));
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      reply(400, { __type: 'AccessDeniedException', message: 'only GetSecretValue is allowed' });
      return;
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    requested.push(SecretId);
    const value = secrets[SecretId];
    if (value === undefined) {
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
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
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
