import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_MAIN_FIELDS, BUNDLE_TARGET, REQUIRE_BANNER, splitBundlingHooks } from './split-bundling.js';

/**
 * Run from the TypeScript sources (the repository's own `cdk` app, the
 * tests) or from the compiled JavaScript in `dist/` (`mailgate/cdk` from the
 * installed package, which ships no TypeScript): the entries are bundled
 * from the tree this module sits in, `.ts` or `.js` alike.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const COMPILED = import.meta.url.endsWith('.js');
/** The root of the tree holding the entry files: the repository, or the package's `dist/`. */
const ENTRY_ROOT = join(HERE, '..');

/** The repository or package root: entry files and the lock file are found from here, wherever `cdk` runs. */
export const PROJECT_ROOT = COMPILED ? join(HERE, '..', '..') : ENTRY_ROOT;

/** The lock file when there is one (the repository); an installed package has none, and its manifest names npm alike. */
const LOCK_FILE = existsSync(join(PROJECT_ROOT, 'package-lock.json'))
  ? join(PROJECT_ROOT, 'package-lock.json')
  : join(PROJECT_ROOT, 'package.json');

/**
 * The functions are bundled with esbuild on this machine: the repository's,
 * or the consumer's beside `mailgate/cdk` (an optional peer dependency).
 * Without it CDK would fall back to bundling in Docker, where the split
 * build's command (a path on this machine) cannot run: say what is missing.
 */
function assertEsbuildInstalled(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error(
      'mailgate/cdk bundles the Lambda functions with esbuild: install it beside aws-cdk-lib (npm install --save-dev esbuild@^0.28).',
    );
  }
}

export interface GatewayFunctionProps {
  /** Entry file, relative to the repository root (e.g. `functions/lambda-api.ts`). */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  reservedConcurrency?: number;
  logRetention: logs.RetentionDays;
  environment: Record<string, string>;
  /** Map stack traces to the TypeScript sources at run time (`--enable-source-maps`); costs init time. */
  sourceMapStackTraces?: boolean;
  /** The role's description; default: writes its own logs and reads the gateway's secrets. */
  roleDescription?: string;
  /** Ship the /docs page's script beside the bundle (the function that serves /docs). Default false. */
  docsScript?: boolean;
}

/**
 * One request-serving function: its bundle, its own log group with a
 * retention, and a role that may write to that log group and nothing else
 * until secrets access is granted explicitly. The AWS managed basic execution
 * policy is not used because it allows writing to every log group.
 */
export class GatewayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        props.roleDescription ?? `${props.description}: writes its own logs and reads the gateway's secrets`,
    });
    this.logGroup.grant(this.role, 'logs:CreateLogStream', 'logs:PutLogEvents');

    assertEsbuildInstalled();
    const entry = join(ENTRY_ROOT, COMPILED ? props.entry.replace(/\.ts$/, '.js') : props.entry);
    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      recursiveLoop: lambda.RecursiveLoop.TERMINATE,
      environment: {
        // Off by default: Node then parses every loaded chunk's map during init (about 20 ms on the
        // bench machine, 15 % of init). The maps ship either way and resolve a trace offline; the
        // gateway's own logs carry no stack traces.
        ...(props.sourceMapStackTraces ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        platform: 'node',
        mainFields: BUNDLE_MAIN_FIELDS,
        minify: true,
        sourceMap: true,
        // Linked, not external: Node finds the map through the sourceMappingURL comment.
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        banner: REQUIRE_BANNER,
        // The SDK is bundled although the runtime ships one: leaving it out saves ~300 KiB but loading
        // the runtime's copy (hundreds of CommonJS files) measured ~70 ms slower than the bundled one, and
        // the bundle then runs exactly the SDK version the tests ran. It loads on the first credential read
        // (lib/lambda/create-lambda-deps.ts), in a chunk of its own; build-split-bundle.ts bundles it likewise.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
        metafile: false,
        // The deployed output comes from this hook: the same entry rebuilt with code splitting (same
        // target, main fields, banner, minification and maps), so that module init compiles only what it runs.
        commandHooks: splitBundlingHooks(entry, { docsScript: props.docsScript }),
      },
    });
  }
}
