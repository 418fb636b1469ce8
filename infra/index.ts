/**
 * `mailgate/cdk`: the construct to put the gateway into a CDK app of one's
 * own. It bundles the Lambda functions from the installed package with
 * esbuild (see gateway-function.ts), so `aws-cdk-lib`, `constructs` and
 * `esbuild` must be installed beside it.
 */
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  LAMBDA_MAX_UPLOAD_BYTES,
  MailGateway,
  type MailGatewayProps,
} from './mail-gateway.js';
export { MailGatewayStack, type MailGatewayStackProps } from './mail-gateway-stack.js';
