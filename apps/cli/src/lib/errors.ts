// Errors that end the command with one line on stderr, the way glanceclient's utils.exit() and
// its shell's exception handler do: the message alone, no prefix, no stack trace. The image API's
// own errors (ImageApiError for an error status, ImageApiConnectionError for no answer) come from
// @glance-ts/image-client with glanceclient's messages, and end a command the same way.

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit status for an error that ends a command with its message alone; undefined for others. */
export async function exitCodeOf(error: unknown): Promise<number | undefined> {
  if (error instanceof CliError) return error.exitCode;
  // Loaded here, not at start: `glance help` never loads the client, and only commands that call
  // the API raise its errors.
  const { ImageClientError } = await import('@glance-ts/image-client');
  if (error instanceof ImageClientError) return 1;
  return undefined;
}
