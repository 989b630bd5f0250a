// The image members calls of the member-* commands (glanceclient 4.1's v2/image_members.py) and
// their output: glanceclient's tables, or rows for -f/-c.
import type { ImageMemberBody } from '@glance-ts/contracts';
import { type BufferedResponse, type ImageApiClient, imagePath } from '@glance-ts/image-client';
import { PyDict } from '@glance-ts/pycompat';
import { CliError } from '../errors';
import { printDict, printList } from '../output/glanceclient';
import {
  type Cell,
  type ListOutput,
  type OutputFormat,
  renderList,
  renderShow,
  selectColumns,
} from '../output/formatters';
import { tableFitWidth } from '../output/output-flags';
import { pyJson } from '../py-response';

/** The columns member-list, member-create and member-update print. */
export const MEMBER_COLUMNS = ['Image ID', 'Member ID', 'Status'] as const;

/** A member as the server sent it: parsed the Python way (tables) and as the contract (-f). */
export interface MemberBody {
  py: PyDict;
  json: ImageMemberBody;
}

function asMember(py: unknown, json: unknown, url: string): MemberBody {
  if (!(py instanceof PyDict) || typeof json !== 'object' || json === null)
    throw new CliError(`Invalid response from ${url}: expected an image member`);
  return { py, json: json as ImageMemberBody };
}

function oneMember(response: BufferedResponse): MemberBody {
  return asMember(pyJson(response), response.json(), response.url);
}

export class MembersApi {
  constructor(private readonly client: ImageApiClient) {}

  async list(imageId: string): Promise<MemberBody[]> {
    const response = await this.client.getJson(imagePath(imageId, 'members'));
    const py = pyJson(response);
    const json = response.json<{ members?: unknown[] }>();
    const pyMembers = py instanceof PyDict ? py.get('members') : undefined;
    if (!Array.isArray(pyMembers) || !Array.isArray(json.members))
      throw new CliError(`Invalid response from ${response.url}: no "members" list`);
    return pyMembers.map((member, index) => asMember(member, json.members![index], response.url));
  }

  async get(imageId: string, memberId: string): Promise<MemberBody> {
    return oneMember(await this.client.getJson(imagePath(imageId, 'members', memberId)));
  }

  async create(imageId: string, memberId: string): Promise<MemberBody> {
    return oneMember(
      await this.client.request('POST', imagePath(imageId, 'members'), {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ member: memberId }),
      }),
    );
  }

  async update(imageId: string, memberId: string, status: string): Promise<MemberBody> {
    return oneMember(
      await this.client.request('PUT', imagePath(imageId, 'members', memberId), {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ status }),
      }),
    );
  }

  async delete(imageId: string, memberId: string): Promise<void> {
    await this.client.request('DELETE', imagePath(imageId, 'members', memberId));
  }
}

/** glanceclient's print_list of members: Image ID, Member ID, Status. */
export function printMembers(members: readonly MemberBody[]): string {
  return printList(
    members.map((member) => member.py),
    MEMBER_COLUMNS,
  );
}

/** The same rows for -f/-c. */
export function membersListing(members: readonly MemberBody[]): ListOutput {
  return {
    columns: MEMBER_COLUMNS,
    rows: members.map((member): Cell[] => [member.json.image_id, member.json.member_id, member.json.status]),
  };
}

/** member-get: glanceclient's print_dict of the member. */
export function printMember(member: MemberBody): string {
  return printDict(member.py);
}

/** member-get for -f/-c (cliff's ShowOne): the member's fields, sorted by name. */
export function memberShowOutput(member: MemberBody): ListOutput {
  const entries = Object.entries(member.json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    columns: entries.map(([key]) => key),
    rows: [entries.map(([, value]) => (value === undefined ? null : (value as Cell)))],
  };
}

/** What member-list, member-create and member-update print: glanceclient's table, or rows for -f/-c. */
export async function membersText(
  members: readonly MemberBody[],
  format: OutputFormat | undefined,
  columns: readonly string[],
): Promise<string> {
  if (format === undefined) return printMembers(members) + '\n';
  return renderList(format, selectColumns(membersListing(members), columns), { fitWidth: tableFitWidth() });
}

/** What member-get prints: glanceclient's Property/Value table, or one record for -f/-c. */
export async function memberText(
  member: MemberBody,
  format: OutputFormat | undefined,
  columns: readonly string[],
): Promise<string> {
  if (format === undefined) return printMember(member) + '\n';
  return renderShow(format, selectColumns(memberShowOutput(member), columns), { fitWidth: tableFitWidth() });
}
