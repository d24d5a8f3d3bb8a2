/**
 * One client doing one job, for `instructions.ts` to run under callgrind:
 * `node instructions-client.js <client> <rawPort> <job> <url> [size kind count inFlight]`.
 * Jobs: `receive` (from the blaster URL), `echo` (`count` messages, `inFlight` outstanding) and
 * `connect` (`count` sequential connect+close).
 */
import { clientNamed, type Kind } from "./e2e-clients.js";

const [name, rawPort, job, url, size, kind, count, inFlight] = process.argv.slice(2);
const client = clientNamed(name, Number(rawPort));

switch (job) {
  case "receive":
    await client.receive(url!);
    break;
  case "echo":
    await client.echo(url!, Number(size), kind as Kind, Number(count), Number(inFlight));
    break;
  case "connect":
    for (let i = 0; i < Number(count); i++) await client.connectClose(url!);
    break;
  default:
    throw new Error(`unknown job ${job}`);
}
