import type { Kysely } from 'kysely';
import type { HashJobsTable, ImageSchema } from './schema';

/** Computing an image's checksum and os_hash_value from its data, after it arrived by location. */
export interface HashJob {
  imageId: string;
  /** The location whose data is hashed. */
  locationUrl: string;
  /** The os_hash_value the client declared; null when it declared none. */
  expectedHash: string | null;
  /** Failed attempts so far. */
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

export interface NewHashJob {
  imageId: string;
  locationUrl: string;
  expectedHash: string | null;
}

/**
 * The durable queue of hashing jobs, shared by every API process: a job is taken with a lease
 * (compare-and-set), so two workers never hash the same image, and a worker that dies mid-job
 * leaves a lease that runs out and lets another take it over. Jobs disappear with their image.
 */
export interface HashJobRepository {
  /** Adds a job, or replaces the image's job. */
  enqueue(job: NewHashJob): Promise<void>;
  /** Takes the oldest job whose lease has passed, for `leaseMs`; null when none is due. */
  claim(owner: string, leaseMs: number): Promise<HashJob | null>;
  /** Removes a job this owner holds (done, or nothing left to do). */
  finish(imageId: string, owner: string): Promise<void>;
  /** Gives a job back after a failed attempt, to be retried no earlier than `delayMs` from now. */
  retryLater(imageId: string, owner: string, error: string, delayMs: number): Promise<void>;
  /** Removes an image's job whoever holds it (the image left the state that needed it). */
  remove(imageId: string): Promise<void>;
  list(): Promise<HashJob[]>;
}

export class KyselyHashJobRepository implements HashJobRepository {
  constructor(
    private readonly db: Kysely<ImageSchema>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now(): number {
    return this.clock().getTime();
  }

  async enqueue(job: NewHashJob): Promise<void> {
    const row = {
      image_id: job.imageId,
      location_url: job.locationUrl,
      expected_hash: job.expectedHash,
      attempts: 0,
      last_error: null,
      lease_owner: null,
      lease_until: 0,
      created_at: this.now(),
    };
    await this.db
      .insertInto('hash_jobs')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('image_id').doUpdateSet({
          location_url: row.location_url,
          expected_hash: row.expected_hash,
          attempts: 0,
          last_error: null,
          lease_owner: null,
          lease_until: 0,
        }),
      )
      .execute();
  }

  async claim(owner: string, leaseMs: number): Promise<HashJob | null> {
    // Another process may take the same candidate first: the update only wins if the lease is
    // still free, so try the next candidate then.
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.now();
      const candidate = await this.db
        .selectFrom('hash_jobs')
        .selectAll()
        .where('lease_until', '<=', now)
        .orderBy('created_at')
        .orderBy('image_id')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return null;
      const result = await this.db
        .updateTable('hash_jobs')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('image_id', '=', candidate.image_id)
        .where('lease_until', '=', candidate.lease_until)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return toJob(candidate);
    }
    return null;
  }

  async finish(imageId: string, owner: string): Promise<void> {
    await this.db
      .deleteFrom('hash_jobs')
      .where('image_id', '=', imageId)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async retryLater(imageId: string, owner: string, error: string, delayMs: number): Promise<void> {
    await this.db
      .updateTable('hash_jobs')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: error,
        lease_owner: null,
        lease_until: this.now() + delayMs,
      }))
      .where('image_id', '=', imageId)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async remove(imageId: string): Promise<void> {
    await this.db.deleteFrom('hash_jobs').where('image_id', '=', imageId).execute();
  }

  async list(): Promise<HashJob[]> {
    const rows = await this.db
      .selectFrom('hash_jobs')
      .selectAll()
      .orderBy('created_at')
      .orderBy('image_id')
      .execute();
    return rows.map(toJob);
  }
}

function toJob(row: HashJobsTable): HashJob {
  return {
    imageId: row.image_id,
    locationUrl: row.location_url,
    expectedHash: row.expected_hash,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)),
  };
}
