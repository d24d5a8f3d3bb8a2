/** Runs `main(url)` when the example is executed directly: `node dist/examples/<name>.js ws://host:port/path`. */
import { pathToFileURL } from "node:url";

export function runIfMain(moduleUrl: string, main: (url: string) => Promise<unknown>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const url = process.argv[2];
  if (!url) {
    console.error("usage: node <example>.js ws://host:port/path");
    process.exitCode = 2;
    return;
  }
  main(url).then(
    (result) => result !== undefined && console.log(result),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
