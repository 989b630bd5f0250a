import { MEMBER_STATUS_VALUES } from '@glance-ts/contracts';
import { MEMBER_STATUSES } from '@glance-ts/db';
import { checkMemberStatus } from './image-members';

describe('member statuses', () => {
  // The database (framework-free, so it cannot load the contracts) keeps its own list; the member
  // schema the API serves and documents is the contracts'. They must be the same.
  it('the repository stores exactly the statuses the member schema names', () => {
    expect([...MEMBER_STATUSES]).toEqual([...MEMBER_STATUS_VALUES]);
  });

  it.each([...MEMBER_STATUS_VALUES])('a member may set %s', (status) => {
    expect(checkMemberStatus(status)).toBe(status);
  });
});
