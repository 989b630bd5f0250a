// Errors that end the command with one line on stderr, the way glanceclient's utils.exit() and
// its shell's exception handler do: the message alone, no prefix, no stack trace.

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The server answered with an error status (glanceclient's exc.HTTPException family). */
export class HttpError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    /** The server's explanation, tags and markers removed (exc.from_response's `details`). */
    readonly details: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** No HTTP answer at all: refused, unresolvable, reset or timed out. */
export class ConnectionError extends CliError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}
