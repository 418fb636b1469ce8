/**
 * Lambda entry point of the JSON API (buffered responses, behind API Gateway
 * HTTP API). Large downloads are redirected to the streaming function
 * (MAILGATE_MAX_BUFFERED_BYTES, MAILGATE_DOWNLOAD_BASE_URL).
 */
import { handle } from 'hono/aws-lambda';
import { createApp } from '../lib/http/index.js';
import { createLambdaDeps } from '../lib/lambda/create-lambda-deps.js';

export const handler = handle(createApp(createLambdaDeps()));
