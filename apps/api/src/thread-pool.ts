/**
 * Imported first by main.ts, before anything can touch libuv's thread pool (its size is read once,
 * at first use). Ceph calls run on that pool (koffi async calls are libuv work items) beside file
 * I/O and DNS: an rbd upload keeps 4 writes in flight and a download 4 reads, and a frozen cluster
 * can hold a thread until the operation timeout. libuv's default of 4 threads would let one rbd
 * transfer, or one dead cluster, stall every file-store request; 16 keeps them apart.
 * An operator's own UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
