import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ImageMembersTable, ImageSchema } from './schema';
import { type DatabaseDialect, type SqlDialect, sqlDialect } from './sql-dialect';

/** Glance's member statuses; a new member is `pending` until it accepts or rejects. */
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** One project an image is shared with (Glance's image member). */
export interface ImageMember {
  imageId: string;
  /** The member project's id. */
  memberId: string;
  status: MemberStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** The project is already a member of the image. Glance: 409. */
export class DuplicateMemberError extends Error {
  constructor(
    readonly imageId: string,
    readonly memberId: string,
  ) {
    super(`Member ${memberId} is duplicated for image ${imageId}`);
    this.name = 'DuplicateMemberError';
  }
}

/** The image has `maximum` members already (image_member_quota). Glance: 413. */
export class MemberLimitError extends Error {
  constructor(
    readonly imageId: string,
    readonly attempted: number,
    readonly maximum: number,
  ) {
    super(
      'The limit has been exceeded on the number of allowed image members for this image. ' +
        `Attempted: ${attempted}, Maximum: ${maximum}`,
    );
    this.name = 'MemberLimitError';
  }
}

/**
 * The members of images. Who may do what (only shared images have members, the owner adds and
 * removes, the member sets its status) is the API's business; this keeps the rows consistent: one
 * membership per image and project, the quota counted and the row added in one transaction under
 * the image's row lock (two concurrent adds cannot both take the last place), rows gone with their
 * image (foreign key, ON DELETE CASCADE).
 */
export interface ImageMemberRepository {
  /** The image's members in the order they were added; only `memberId`'s row when given. */
  list(imageId: string, onlyMember?: string): Promise<ImageMember[]>;
  get(imageId: string, memberId: string): Promise<ImageMember | null>;
  /**
   * Adds a `pending` member. `limit` < 0: no limit. Null when the image is gone;
   * MemberLimitError before DuplicateMemberError, as Glance checks its quota first.
   */
  add(imageId: string, memberId: string, limit: number): Promise<ImageMember | null>;
  /** Sets the status (and updated_at); null when there is no such membership. */
  setStatus(imageId: string, memberId: string, status: MemberStatus): Promise<ImageMember | null>;
  /** False when there was no such membership. */
  remove(imageId: string, memberId: string): Promise<boolean>;
}

export class KyselyImageMemberRepository implements ImageMemberRepository {
  private readonly sql: SqlDialect;

  constructor(
    private readonly db: Kysely<ImageSchema>,
    dialect: DatabaseDialect,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.sql = sqlDialect(dialect);
  }

  async list(imageId: string, onlyMember?: string): Promise<ImageMember[]> {
    let query = this.db.selectFrom('image_members').selectAll().where('image_id', '=', imageId);
    if (onlyMember !== undefined) query = query.where('member', '=', onlyMember);
    const rows = await query.orderBy('id').execute();
    return rows.map((row) => this.toMember(row));
  }

  async get(imageId: string, memberId: string): Promise<ImageMember | null> {
    const row = await this.db
      .selectFrom('image_members')
      .selectAll()
      .where('image_id', '=', imageId)
      .where('member', '=', memberId)
      .executeTakeFirst();
    return row ? this.toMember(row) : null;
  }

  add(imageId: string, memberId: string, limit: number): Promise<ImageMember | null> {
    return this.write(async (trx) => {
      if (!(await this.sql.lockImage(trx, imageId))) return null;
      if (limit >= 0) {
        const { count } = await trx
          .selectFrom('image_members')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('image_id', '=', imageId)
          .executeTakeFirstOrThrow();
        const attempted = Number(count) + 1;
        if (attempted > limit) throw new MemberLimitError(imageId, attempted, limit);
      }
      const now = this.sql.toSqlTimestamp(this.clock());
      const row = await trx
        .insertInto('image_members')
        .values((eb) => ({
          image_id: imageId,
          member: memberId,
          status: 'pending',
          created_at: now,
          updated_at: now,
          image_created_at: eb.selectFrom('images').select('created_at').where('id', '=', imageId),
        }))
        .onConflict((conflict) => conflict.columns(['image_id', 'member']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new DuplicateMemberError(imageId, memberId);
      return this.toMember(row);
    });
  }

  async setStatus(imageId: string, memberId: string, status: MemberStatus): Promise<ImageMember | null> {
    const row = await this.db
      .updateTable('image_members')
      .set({ status, updated_at: this.sql.toSqlTimestamp(this.clock()) })
      .where('image_id', '=', imageId)
      .where('member', '=', memberId)
      .returningAll()
      .executeTakeFirst();
    return row ? this.toMember(row) : null;
  }

  async remove(imageId: string, memberId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('image_members')
      .where('image_id', '=', imageId)
      .where('member', '=', memberId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private write<T>(work: (trx: Transaction<ImageSchema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  private toMember(row: Selectable<ImageMembersTable>): ImageMember {
    return {
      imageId: row.image_id,
      memberId: row.member,
      status: row.status as MemberStatus,
      createdAt: this.sql.fromSqlTimestamp(row.created_at),
      updatedAt: this.sql.fromSqlTimestamp(row.updated_at),
    };
  }
}
