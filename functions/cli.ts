import { runCli } from '../lib/admin/run-cli.js';

const status = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
// Exit explicitly: an AWS SDK client keeps sockets alive after the command is done.
process.stdout.write('', () => process.exit(status));
