/**
 * `GET /v2/schemas/member` and `/v2/schemas/members` as Glance serves them (glance/api/v2/
 * image_members.py get_schema / get_collection_schema), key order included: python-glanceclient
 * reads them, and bodies are compared byte for byte.
 */
export const MEMBER_STATUS_VALUES = ['pending', 'accepted', 'rejected'] as const;

const MEMBER_PROPERTIES = {
  member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
  image_id: {
    type: 'string',
    description: 'An identifier for the image',
    pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
  },
  created_at: { type: 'string', description: 'Date and time of image member creation' },
  updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
  status: { type: 'string', description: 'The status of this image member', enum: [...MEMBER_STATUS_VALUES] },
  schema: { readOnly: true, type: 'string' },
};

export const MEMBER_SCHEMA = { name: 'member', properties: MEMBER_PROPERTIES };

export const MEMBERS_SCHEMA = {
  name: 'members',
  properties: {
    members: { type: 'array', items: { name: 'member', properties: MEMBER_PROPERTIES } },
    schema: { type: 'string' },
  },
  links: [{ rel: 'describedby', href: '{schema}' }],
};

/** One image member as the API shows it. */
export interface ImageMemberBody {
  member_id: string;
  image_id: string;
  status: (typeof MEMBER_STATUS_VALUES)[number];
  created_at: string;
  updated_at: string;
  schema: '/v2/schemas/member';
}

export interface ImageMembersBody {
  members: ImageMemberBody[];
  schema: '/v2/schemas/members';
}
