import { SeededRandom } from './random';

// Deterministic generators of the awkward text and JSON that tables must survive: long words,
// hyphens and em-dashes (textwrap breaks on them), every kind of whitespace, wide CJK and astral
// characters, combining marks, control characters, quotes, big ints and floats.
//
// Characters are drawn from long-assigned blocks only: Python 3.11 uses Unicode 14 for \w and
// isspace(), Node a newer version, and a character assigned in between is not what we test.

export class RandomData extends SeededRandom {
  /** A "word": mostly ASCII, sometimes with hyphens, accents, CJK, emoji or control characters. */
  word(): string {
    const kind = this.int(0, 11);
    switch (kind) {
      case 0:
        return this.pick([
          '-',
          '--',
          '---',
          'a-b',
          '-x',
          'x-',
          'foo--bar',
          'well-known',
          'x-y-z',
          'ab-cd-ef-gh',
        ]);
      case 1:
        return this.chars(ACCENTED, 1, 12);
      case 2:
        return this.chars(CJK, 1, 30);
      case 3:
        return this.chars(EMOJI, 1, 4);
      case 4:
        return this.pick(['e\u0301', 'a\u0308b', '\u200b', 'x\u200dy', '\u00ad', 'n\u0303o']);
      case 5:
        return this.pick(['\x01', '\x7f', 'a\x1bb', '\x85', '\u2028']);
      case 6:
        return this.chars(ASCII_LETTERS + '-', 40, 130); // longer than any column
      case 7:
        return this.pick([
          '"quoted"',
          "it's",
          'back\\slash',
          '/var/lib/glance/images',
          'a_b',
          '1.5',
          '42',
          '?!.,&',
        ]);
      default:
        return this.chars(ASCII_LETTERS + '0123456789_', 1, 14);
    }
  }

  separator(): string {
    if (this.chance(0.8)) return ' ';
    return this.pick(['  ', '\t', '\n', ' \n ', '\r', '\v', '\f', '\u00a0', '\u3000', ' \t ', '   ']);
  }

  text(maxWords: number): string {
    const count = this.int(0, maxWords);
    let out = '';
    for (let i = 0; i < count; i++) out += (i > 0 ? this.separator() : '') + this.word();
    return out;
  }

  /** JSON text for a random value; numbers are written as Python would read them (int vs float). */
  json(depth: number): string {
    const kind = this.int(0, depth > 0 ? 9 : 6);
    switch (kind) {
      case 0:
        return 'null';
      case 1:
        return this.pick(['true', 'false']);
      case 2:
        return this.pick([
          '0',
          '-7',
          '8388608',
          '5242880000',
          '9007199254740993',
          '-123456789012345678901234567890',
        ]);
      case 3:
        return this.pick([
          '1.0',
          '-0.0',
          '1.5',
          '0.1',
          '1e16',
          '1.5e-05',
          '123456.789',
          '1e+300',
          '2.5E3',
          '0.0001',
        ]);
      case 4:
      case 5:
      case 6:
        return JSON.stringify(this.text(12));
      case 7:
      case 8:
        return this.jsonObject(depth - 1, this.int(0, 5));
      default: {
        const items = Array.from({ length: this.int(0, 5) }, () => this.json(depth - 1));
        return `[${items.join(', ')}]`;
      }
    }
  }

  jsonObject(depth: number, keys: number): string {
    const seen = new Set<string>();
    const members: string[] = [];
    for (let i = 0; i < keys; i++) {
      const key = this.chance(0.7) ? this.chars(ASCII_LETTERS + '_-', 1, 20) : this.text(3);
      if (seen.has(key)) continue;
      seen.add(key);
      members.push(`${JSON.stringify(key)}: ${this.json(depth)}`);
    }
    return `{${members.join(', ')}}`;
  }

  private chars(alphabet: string, min: number, max: number): string {
    const pool = Array.from(alphabet);
    return Array.from({ length: this.int(min, max) }, () => this.pick(pool)).join('');
  }
}

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTED = 'éèàüößçñØæœÅαβγδΩπжщЯёіїğşİ';
const CJK = '漢字仮名交じり文ひらがなカタカナ한국어中文日本語ｆｕｌｌ';
const EMOJI = '😀🚀🎉❤✨🐍👍🏽';
