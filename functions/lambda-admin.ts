/**
 * Lambda entry point of the account API (PUT and DELETE
 * /v1/accounts/{account}, /v1/tokens), behind the same HTTP API as the JSON
 * API: API Gateway routes exactly these to it. Its role, and only its role,
 * may write secrets under the prefix; it serves nothing but these routes.
 */
import { handle } from 'hono/aws-lambda';
import { createAdminApp } from '../lib/http/index.js';
import { createAdminLambdaDeps } from '../lib/lambda/create-lambda-deps.js';

export const handler = handle(createAdminApp(createAdminLambdaDeps()));
