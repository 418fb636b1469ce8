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
  account list                      ids, protocol, host and user
  account remove <id>

Tokens
  token create --accounts ID,ID|'*' --scope read|write [--label TEXT]
      Prints the new token once on stdout; only its hash is stored.
  token list                        id, scope, accounts, label, creation time
  token revoke <tokenId>

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

Exit status: 0 success, 1 operational error, 2 usage error.
`;
