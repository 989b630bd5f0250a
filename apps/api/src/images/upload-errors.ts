/** How an upload's body can fail on the client's side. */

/** The body made no progress for `client_socket_timeout` seconds: Glance's socket timeout, 408. */
export class UploadTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`The upload made no progress for ${seconds} seconds (client_socket_timeout).`);
    this.name = 'UploadTimeoutError';
  }
}

/** The client closed the connection before the whole body arrived. */
export class UploadAbortedError extends Error {
  constructor() {
    super('The client closed the connection during the upload.');
    this.name = 'UploadAbortedError';
  }
}
