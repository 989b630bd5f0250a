import { hasFourByteCharacter } from './image-attributes';

describe('hasFourByteCharacter', () => {
  it('finds 4-byte UTF-8 characters', () => {
    expect(hasFourByteCharacter('abc中')).toBe(false);
    expect(hasFourByteCharacter('a😀')).toBe(true);
  });
});
