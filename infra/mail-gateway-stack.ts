import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type ContextReader, gatewayPropsFromContext } from './context-props.js';
import { MailGateway, type MailGatewayProps } from './mail-gateway.js';

export interface MailGatewayStackProps extends StackProps {
  /** Explicit props; otherwise they are read from CDK context. */
  gateway?: MailGatewayProps;
}

/** The deployable unit: one MailGateway and nothing else, so `cdk destroy` removes everything it made. */
export class MailGatewayStack extends Stack {
  readonly gateway: MailGateway;

  constructor(scope: Construct, id: string, props: MailGatewayStackProps = {}) {
    super(scope, id, props);
    const read: ContextReader = (key) => this.node.tryGetContext(key);
    this.gateway = new MailGateway(this, 'Gateway', props.gateway ?? gatewayPropsFromContext(this, read));
  }
}
