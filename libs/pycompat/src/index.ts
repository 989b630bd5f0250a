/**
 * @glance-ts/pycompat: the Python behaviours glance-ts reproduces, each implemented once — what
 * CPython, its standard library and the few libraries Glance and its clients print through
 * (jsonschema, iso8601, wcwidth, webob) do with the values we give them. Python's behaviour only:
 * which fields and which messages Glance or glanceclient write stays with the callers.
 */
export {
  PyDict,
  PyFloat,
  type PyReadOptions,
  type PyValue,
  UnrepresentableValueError,
  dictEntries,
  dictSet,
  isDictLike,
  isPyInt,
  pyNumber,
  pyTruthy,
  pyTypeName,
} from './values';
export { pyAscii, pyFloatRepr, pyIntRepr, pyRepr, pyStr, pyStrRepr } from './repr';
export {
  PY_WHITESPACE_CLASS,
  comparePyStr,
  isPyBlank,
  isPyWhitespace,
  pyBigInt,
  pyExpandTabs,
  pyInt,
  pyLen,
  pyLstrip,
  pyRstrip,
  pySplitLines,
  pySplitLinesKeepEnds,
  pyStrip,
  pyTitle,
} from './text';
export { pformat } from './pprint';
export { type DumpsOptions, dumps, loads } from './json';
export { type WrapOptions, fill, wrap } from './textwrap';
export { wcswidth, wcwidth } from './wcwidth';
export { type ParsedIsoTime, type UtcDateTime, parseIsoTime } from './iso8601';
export { parseWebobQueryString, quotePlus, urlencode } from './query-string';
export {
  type CompiledPercentFormat,
  MISSING_KEY,
  PercentFormatError,
  applyPercentFormat,
  compilePercentFormat,
} from './percent-format';
export { type LiteralEvalResult, literalEval } from './literal-eval';
export { UnsupportedPatternError, pyRegexSearch } from './re';
export {
  type JsonSchema,
  type SchemaPathItem,
  type SchemaValidationError,
  type SchemaValidationOptions,
  bestMatch,
  describeValidationError,
  findSchemaError,
  iterSchemaErrors,
} from './jsonschema';
