import { App } from 'aws-cdk-lib';
import { MailGatewayStack } from './mail-gateway-stack.js';

/**
 * `npx cdk synth|deploy -c secretPrefix=mailgate/ [-c stackName=…]`; the
 * other context keys are listed in infra/context-props.ts. No environment is
 * pinned and nothing is looked up, so synth runs offline without credentials;
 * deploy targets the CLI's account and region.
 */
const app = new App();
new MailGatewayStack(app, String(app.node.tryGetContext('stackName') ?? 'Mailgate'), {
  description: 'mailgate: IMAP and POP3 mailboxes as a REST/JSON API',
});
app.synth();
