import type { ImageMember, MemberStatus } from '@glance-ts/db';
import { MEMBER_STATUSES } from '@glance-ts/db';
import type { ImageMemberBody, ImageMembersBody } from '@glance-ts/contracts';
import { pyTruthy } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';
import { isotime } from './image-view';

/**
 * The image members API's request rules and views, as Glance's image_members.py: the bodies'
 * parse errors and their texts (RequestDeserializer.create / update), the status rule (domain
 * ImageMember), and the member view (ResponseSerializer).
 */

/** Glance's member column holds 255 characters; a longer id is refused here (Glance fails with a 500). */
export const MEMBER_ID_MAX_LENGTH = 255;

const bodyExpected = () => new ImageRequestError(400, 'Body expected in request.');

/**
 * `POST /v2/images/{id}/members`: `{"member": "<project id>"}`. Glance takes any truthy value and
 * stores its str(); glance-ts takes strings and integers (an integer's digits are the id, as str()
 * gives them) and refuses other values with the message of the wrong shape, where Glance would
 * store a list's repr or fail in the database.
 */
export function parseAddMemberBody(body: unknown): string {
  if (body === undefined) throw bodyExpected();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw memberShape();
  if (!Object.hasOwn(body, 'member')) throw new ImageRequestError(400, 'Member to be added not specified');
  const member = (body as { member: unknown }).member;
  if (!pyTruthy(member)) throw new ImageRequestError(400, "Member can't be empty");
  let id: string;
  if (typeof member === 'string') id = member;
  else if (typeof member === 'number' && Number.isSafeInteger(member)) id = String(member);
  else throw memberShape();
  if ([...id].length > MEMBER_ID_MAX_LENGTH) {
    throw new ImageRequestError(400, `Member can't be longer than ${MEMBER_ID_MAX_LENGTH} characters`);
  }
  return id;
}

/** `PUT /v2/images/{id}/members/{member_id}`: `{"status": ...}`; the value is checked later (checkMemberStatus). */
export function parseMemberStatusBody(body: unknown): unknown {
  if (body === undefined) throw bodyExpected();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ImageRequestError(400, 'Expected a status in the form: {"status": "status"}');
  }
  if (!Object.hasOwn(body, 'status')) throw new ImageRequestError(400, 'Status not specified');
  return (body as { status: unknown }).status;
}

/** The status a member sets, checked after the policy as Glance does (its ImageMember setter). */
export function checkMemberStatus(status: unknown): MemberStatus {
  if (typeof status === 'string' && (MEMBER_STATUSES as readonly string[]).includes(status)) {
    return status as MemberStatus;
  }
  throw new ImageRequestError(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".');
}

export function memberView(member: ImageMember): ImageMemberBody {
  return {
    member_id: member.memberId,
    image_id: member.imageId,
    status: member.status,
    created_at: isotime(member.createdAt),
    updated_at: isotime(member.updatedAt),
    schema: '/v2/schemas/member',
  };
}

export function membersView(members: readonly ImageMember[]): ImageMembersBody {
  return { members: members.map(memberView), schema: '/v2/schemas/members' };
}

const memberShape = () => new ImageRequestError(400, 'Expected a member in the form: {"member": "image_id"}');
