/**
 * Lambda entry point of the raw and attachment downloads, streamed through a
 * Function URL in RESPONSE_STREAM mode (no 6 MB cap). In its own file because
 * `streamHandle` calls the runtime's `awslambda.streamifyResponse` global as
 * soon as the module is evaluated, which exists only inside Lambda.
 */
import { streamHandle } from 'hono/aws-lambda';
import { createApp } from '../lib/http/index.js';
import { createLambdaDeps } from '../lib/lambda/create-lambda-deps.js';
import { downloadsOnly } from '../lib/lambda/downloads-only.js';

export const handler = streamHandle(downloadsOnly(createApp(createLambdaDeps())));
