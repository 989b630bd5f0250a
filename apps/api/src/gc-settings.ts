import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts (V8 flags are per process: every worker sets them as it starts).
 *
 * After each full collection V8 sets the old generation's next limit to a factor of what survived,
 * picking the factor itself (1.1 to 4, lower when collections run often). Under uploads a
 * long-lived worker settled at ~1.8 (31 MiB live, a 55 MiB limit), and the 64 KiB Buffer of every
 * socket read, counted against that room, kept it below one young generation: V8 marked the whole
 * heap again and again, 29-37 mark-compacts per uploaded GiB, about a core-second per GiB on its
 * helper threads and the event loop. Fixed at 2, within V8's own range: 0-5 per GiB, and the
 * worker's RSS over a 4 GiB upload grew no more (README "Beside Glance 25" has the measurements).
 * An idle worker's heap still shrinks to what is live at each full collection; only the room
 * before the next one is larger.
 */
setFlagsFromString('--heap-growing-percent=100');
