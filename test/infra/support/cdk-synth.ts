import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../infra/gateway-function.js';

const run = promisify(execFile);

export interface SynthesizedFunction {
  logicalId: string;
  /** The bundle directory in the cloud assembly (index.mjs and its source map). */
  assetDir: string;
  environment: Record<string, unknown>;
  timeoutSeconds: number;
}

export interface Synthesis {
  outdir: string;
  template: {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
  };
  /** Connections the CLI attempted through the (recording) proxy: any would mean synth needs the network. */
  proxiedConnections: number;
  stderr: string;
  fn(descriptionPart: string): SynthesizedFunction;
}

/**
 * Runs `cdk synth` exactly as a user does, with bundling, into a fresh
 * directory under the repository's .tmp/ (ignored by git, removed by the
 * caller). No AWS credentials, config or metadata endpoint are reachable,
 * and every proxy variable points at a local recorder.
 */
export async function synthesize(): Promise<Synthesis> {
  await mkdir(join(PROJECT_ROOT, '.tmp'), { recursive: true });
  const outdir = await mkdtemp(join(PROJECT_ROOT, '.tmp', 'cdk-synth-'));
  let proxiedConnections = 0;
  const proxy = createServer((_request, response) => response.destroy());
  proxy.on('connection', () => {
    proxiedConnections += 1;
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: outdir,
    AWS_CONFIG_FILE: join(outdir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: '',
    // `npx tsx` (the app command in cdk.json) must not look for npm updates either.
    npm_config_update_notifier: 'false',
    npm_config_offline: 'true',
  };
  let stderr: string;
  try {
    ({ stderr } = await run(
      join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
      ['synth', '--quiet', '--output', outdir],
      {
        cwd: PROJECT_ROOT,
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } finally {
    proxy.close();
  }
  const template = JSON.parse(
    await readFile(join(outdir, 'Mailgate.template.json'), 'utf8'),
  ) as Synthesis['template'];
  return {
    outdir,
    template,
    proxiedConnections,
    stderr,
    fn(descriptionPart) {
      const entry = Object.entries(template.Resources).find(
        ([, resource]) =>
          resource.Type === 'AWS::Lambda::Function' &&
          String(resource.Properties.Description).includes(descriptionPart),
      );
      if (entry === undefined) throw new Error(`no function described as ${descriptionPart}`);
      const [logicalId, resource] = entry;
      return {
        logicalId,
        assetDir: join(outdir, String(resource.Metadata?.['aws:asset:path'])),
        environment: (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
        timeoutSeconds: Number(resource.Properties.Timeout),
      };
    },
  };
}
