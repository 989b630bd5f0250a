#!/usr/bin/python3
"""A real Keystone on loopback for glance-ts's tests (libs/testing: startKeystone).

    /usr/bin/python3 tools/keystone/serve.py --config-file DIR/keystone.conf [--port 0]

Serves Keystone's public WSGI application (Debian's python3-keystone; run it with Debian's
/usr/bin/python3, not a pyenv or virtualenv Python, which has no keystone) from a threaded
wsgiref server: keystone-wsgi-public's own test server handles one request at a time, and a
test's API, CLI and the helper talk to Keystone at once. Nothing beyond Debian's packages.

Protocol with the helper:
  * stdout gets exactly one line, `listening <port>`, once the socket listens (connections made
    from then on are queued, then served), so `--port 0` tells the caller which port it got;
  * SIGTERM or SIGINT: stops accepting, exits 0;
  * --exit-with-stdin: also exits when stdin reaches EOF, i.e. when the process that holds the
    other end of the pipe dies, so a killed test runner does not leave a Keystone behind;
  * errors (a failed import, a bad configuration, a port in use) go to stderr with exit code 1;
    Keystone itself logs where the configuration says (log_file); --access-log adds one stderr
    line per request.
"""

import argparse
import signal
import socketserver
import sys
import threading
import wsgiref.simple_server


class ThreadingWSGIServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    # Daemon threads: a request stuck on SQLite's lock must not hold the exit.
    daemon_threads = True
    # The helper's start() after stop() binds the same port again, possibly in TIME_WAIT.
    allow_reuse_address = True
    request_queue_size = 64


class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    access_log = False

    def log_message(self, format, *args):
        if self.access_log:
            super().log_message(format, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config-file', required=True, help="keystone.conf (the only one read)")
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0: any free port (printed)')
    parser.add_argument('--exit-with-stdin', action='store_true', help='exit when stdin reaches EOF')
    parser.add_argument('--access-log', action='store_true', help='one stderr line per request')
    args = parser.parse_args()

    # Keystone's configuration is parsed from sys.argv (oslo.config), as keystone-wsgi-public
    # does it: only our file, so no /etc/keystone or ~/.keystone is read.
    sys.argv[1:] = ['--config-file', args.config_file]
    # Imported here, after argument parsing, so that --help works without keystone.
    from keystone.server.wsgi import initialize_public_application

    application = initialize_public_application()

    QuietHandler.access_log = args.access_log
    server = ThreadingWSGIServer((args.host, args.port), QuietHandler)
    server.set_app(application)

    def stop(*_ignored):
        # shutdown() waits for serve_forever() to return: never call it on serve_forever's thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_stdin:

        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                stop()

        threading.Thread(target=watch_stdin, daemon=True).start()

    print('listening %d' % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
