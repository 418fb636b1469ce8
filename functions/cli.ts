import { runCli } from '../lib/admin/run-cli.js';

const argv = process.argv.slice(2);
const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
};
// `mailgate mcp` serves MCP over stdio with the mail stores: loaded only for it, the admin commands stay light.
const status =
  argv[0] === 'mcp'
    ? await (await import('../lib/local/mcp-stdio.js')).runMcpStdio(argv.slice(1), io)
    : await runCli(argv, io);
// Exit explicitly: an AWS SDK client keeps sockets alive after the command is done.
process.stdout.write('', () => process.exit(status));
