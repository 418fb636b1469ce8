/** The text of `mailgate --help`; docs/ADMIN.md repeats the permissions part. */
export const USAGE = `Usage: mailgate <command> [options]

Manage the accounts and bearer tokens of a mailgate credential store.

Accounts
  account add <id> --protocol imap|pop3 --host HOST --port N
                   --tls implicit|starttls|none --user USER
                   [--allow-plaintext] [--ca-file PEM] [--servername NAME]
                   [--insecure] [--oauth2]
      Adds or replaces an account. The password (or, with --oauth2, the
      access token) is read from a prompt that does not echo, or from stdin
      when stdin is not a terminal; never from the command line.
      --tls none also needs --allow-plaintext. --insecure turns off
      certificate verification (tlsOptions.rejectUnauthorized: false).
  account oauth <id> --provider google|microsoft|custom --client-id ID
                     [--client-secret-stdin] [--tenant T] [--user ADDRESS]
                     [--login-hint ADDRESS] [--protocol imap|pop3]
                     [--host H --port N --tls ...] [--scope 'S1 S2 ...']
                     [--authorize-url URL --token-url URL --device-url URL
                     --issuer URL] [--no-browser] [--timeout SECONDS]
  account oauth <id> --app NAME [options as above but the client ones]
      Signs the mailbox owner in (OAuth2 authorization code with PKCE) and
      stores the account with its refresh token. Prints the URL to open,
      alone on a line of stdout, and waits (default 300 s) for the browser
      to come back to http://127.0.0.1:<port>/callback. --no-browser: the
      device code flow where the provider has one (Microsoft; custom with
      --device-url), else paste the address the browser was sent to.
      Google and Microsoft fill in the endpoints, scopes and mail servers;
      custom needs --authorize-url, --token-url, --scope, --host, --port.
      The user is --user, else the signed-in address from the ID token.
  account list                      ids, protocol, host and user
  account remove <id>

Tokens
  token create --accounts ID,ID|'*' --scope read|write [--label TEXT]
  token create --scope admin [--label TEXT]
      Prints the new token once on stdout; only its hash is stored.
      An admin token calls the account API (PUT/DELETE /v1/accounts/{id},
      /v1/tokens) for every account and reads no mail.
  token list                        id, scope, accounts, label, creation time
  token revoke <tokenId>

OAuth apps (one client registration shared by many accounts)
  oauth-app add <name> --provider google|microsoft|custom --client-id ID
                [--client-secret-stdin] [--tenant T] [--token-url URL]
                [--authorize-url URL] [--scope 'S1 S2 ...']
      The client secret (confidential clients only) is read like a password.
  oauth-app list                    name, provider, client id; no secret
  oauth-app remove <name>

Webhooks (talk to a running gateway, not to the credential store)
  webhook listen --url GATEWAY_URL --token TOKEN --account ID
                 [--mailbox M] [--port N]
      A development receiver: listens on 127.0.0.1 (port N, else a free
      one), registers a webhook for the account's mailbox M (default
      ~inbox) pointing at itself, prints each delivery whose signature
      verifies (one line per event: time, type, event id, mailbox, then the
      subject, ids or flags), answers 401 with a warning to any other, and
      deletes the webhook on Ctrl-C or SIGTERM. TOKEN is a write token
      (default MAILGATE_TOKEN). The gateway must run with
      MAILGATE_WEBHOOK_ALLOW_PRIVATE=true: the receiver is plain http on
      loopback.

MCP (Model Context Protocol, for AI agents)
  mcp
      Serves MCP on stdin/stdout with the accounts of this credential store.
      The token (read or write; a read token gets the read tools only) comes
      from MAILGATE_TOKEN, never from the command line. The local server
      also answers MCP over streamable HTTP at /mcp.

Store (defaults come from MAILGATE_STORE, MAILGATE_ACCOUNTS_FILE and
MAILGATE_SECRET_PREFIX)
  --store file|secretsmanager
  --file PATH          file store (default .mailgate/accounts.json)
  --prefix PREFIX      Secrets Manager name prefix (default mailgate/)
  -h, --help           show this text

Secrets Manager permissions
  The admin commands need, on arn:aws:secretsmanager:REGION:ACCOUNT:secret:PREFIX*:
    secretsmanager:CreateSecret, secretsmanager:PutSecretValue,
    secretsmanager:GetSecretValue, secretsmanager:DeleteSecret,
    secretsmanager:DescribeSecret
  The API itself needs only secretsmanager:GetSecretValue on the same
  resources: it lists accounts from the PREFIXindex secret that these
  commands maintain.
  Secrets they create are encrypted with the KMS key MAILGATE_SECRETS_KMS_KEY_ID
  names (id, ARN or alias; default the AWS managed aws/secretsmanager key);
  a customer managed key also needs kms:GenerateDataKey and kms:Decrypt on it.

Exit status: 0 success, 1 operational error, 2 usage error.
`;
