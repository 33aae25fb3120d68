import type { ErrorCode } from 'yaml';

// What a YAML syntax error says, by the parser's error code. The parser's own messages quote the text at
// fault ("Not a YAML token: <text>", "Invalid escape sequence <text>", ...), and that text may be a secret
// someone pasted into the file, so only these fixed descriptions are ever shown.
const DESCRIPTIONS: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'An alias cannot have an anchor or a tag',
  BAD_ALIAS: 'An alias must refer to an anchor defined before it',
  BAD_DIRECTIVE: 'Unknown or malformed % directive',
  BAD_DQ_ESCAPE: 'Invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'Bad indentation',
  BAD_PROP_ORDER: 'Anchors and tags must come before the value they apply to',
  BAD_SCALAR_START: 'A plain value cannot start with this character: quote it',
  BLOCK_AS_IMPLICIT_KEY: 'A block collection cannot be a map key',
  BLOCK_IN_FLOW: 'A block collection cannot sit inside [ ] or { }',
  DUPLICATE_KEY: 'Map keys must be unique',
  IMPOSSIBLE: 'The YAML could not be read',
  KEY_OVER_1024_CHARS: 'A map key is longer than 1024 characters',
  MISSING_CHAR: 'A character is missing (a comma, colon or closing bracket or quote)',
  MULTILINE_IMPLICIT_KEY: 'A map key must fit on one line (is the colon after a key missing?)',
  MULTIPLE_ANCHORS: 'A value can have only one anchor',
  MULTIPLE_DOCS: 'The file must hold a single YAML document',
  MULTIPLE_TAGS: 'A value can have only one tag',
  NON_STRING_KEY: 'Map keys must be strings',
  RESOURCE_EXHAUSTION: 'The YAML expands too far (too many aliases)',
  TAB_AS_INDENT: 'Tabs cannot be used for indentation',
  TAG_RESOLVE_FAILED: 'A tag could not be resolved',
  UNEXPECTED_TOKEN: 'Unexpected text',
  BAD_COLLECTION_TYPE: 'A tag does not fit the collection it is on',
};

export const describeYamlError = (code: ErrorCode): string => DESCRIPTIONS[code] ?? 'Invalid YAML';
