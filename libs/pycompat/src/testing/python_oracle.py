"""The reference side of glance-ts's differential tests: CPython and the Python libraries whose
behaviour glance-ts reproduces. Run with Debian's interpreter, /usr/bin/python3 (the packages
python3-jsonschema, python3-iso8601 and python3-wcwidth come with python3-glanceclient).

Reads one JSON request per line on stdin and writes one JSON answer per line on stdout, ASCII only
(so lone surrogates survive): {"ok": result}, or {"error": "ExceptionType: message"} when the op
raised. A request names its op; a value is given as "value" (a JSON value) or "input" (JSON text,
read with json.loads, which keeps 1.0 a float):

  {"op": "repr", "value" | "input"}            -> repr(value)
  {"op": "pformat", "value" | "input", "width"?} -> pprint.pformat(value, width=width or 72)
  {"op": "dumps", "value" | "input", "indent"?} -> json.dumps(value, indent=indent)
  {"op": "fill", "text", "width"}             -> textwrap.fill(text, width)
  {"op": "wcswidth", "text"}                  -> wcwidth.wcswidth(text)
  {"op": "int", "text"}                       -> str(int(text)), or null for ValueError
  {"op": "strip" | "title" | "len", "text"}   -> text.strip(), text.title(), len(text)
  {"op": "iso8601", "text"}                   -> the instant as UTC "YYYY-MM-DDTHH:MM:SS.ffffff", or
                                                 null when iso8601.parse_date raises or
                                                 normalising overflows
  {"op": "urlencode", "pairs": [[k, v], ...]} -> urllib.parse.urlencode(pairs)
  {"op": "validate", "schema", "instance"}    -> {"best": str(error) or null, "acceptable": [...]}
      as jsonschema.validate reports it; "acceptable" lists every message Python could have given
      (jsonschema visits additional properties in set order, which depends on the hash seed).

Each further argument is a Python file adding ops of its own (a project's peers: glanceclient,
oslo.policy): it is executed as a module, and its OPS dict (name -> function(request)) extends
the table.
"""

import importlib.util
import json
import os
import sys


def _value(request):
    return json.loads(request['input']) if 'input' in request else request['value']


def op_repr(request):
    return repr(_value(request))


def op_pformat(request):
    import pprint
    return pprint.pformat(_value(request), width=request.get('width', 72))


def op_dumps(request):
    return json.dumps(_value(request), indent=request.get('indent'))


def op_fill(request):
    import textwrap
    return textwrap.fill(request['text'], request['width'])


def op_wcswidth(request):
    import wcwidth
    return wcwidth.wcswidth(request['text'])


def op_int(request):
    try:
        return str(int(request['text']))
    except ValueError:
        return None


def op_iso8601(request):
    import iso8601
    try:
        parsed = iso8601.parse_date(request['text'])
        offset = parsed.utcoffset()
        naive = parsed.replace(tzinfo=None) - offset if offset is not None else parsed
    except (iso8601.ParseError, TypeError, OverflowError, ValueError):
        return None
    return naive.strftime('%Y-%m-%dT%H:%M:%S.%f').rjust(26, '0')


def op_urlencode(request):
    import urllib.parse
    return urllib.parse.urlencode([tuple(pair) for pair in request['pairs']])


_VALIDATORS = {}


def op_validate(request):
    import jsonschema
    from jsonschema import exceptions

    schema = request['schema']
    # jsonschema.validate checks the schema against its metaschema on every call; once is enough.
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[key] = cls(schema)
    errors = list(_VALIDATORS[key].iter_errors(request['instance']))
    if not errors:
        return {'best': None, 'acceptable': []}
    best = exceptions.best_match(iter(errors))
    top = max(exceptions.relevance(error) for error in errors)
    tied = [error for error in errors if exceptions.relevance(error) == top]
    if tied[0].relative_schema_path[0] == 'additionalProperties':
        acceptable = [str(error) for error in tied
                      if error.relative_schema_path[0] == 'additionalProperties']
    else:
        acceptable = [str(best)]
    return {'best': str(best), 'acceptable': acceptable}


OPS = {
    'repr': op_repr,
    'pformat': op_pformat,
    'dumps': op_dumps,
    'fill': op_fill,
    'wcswidth': op_wcswidth,
    'int': op_int,
    'strip': lambda request: request['text'].strip(),
    'title': lambda request: request['text'].title(),
    'len': lambda request: len(request['text']),
    'iso8601': op_iso8601,
    'urlencode': op_urlencode,
    'validate': op_validate,
}


def load_extension(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    OPS.update(module.OPS)


def answer(request):
    try:
        return {'ok': OPS[request['op']](request)}
    except Exception as error:  # reported per request, so that one oddity does not hide the others
        return {'error': '%s: %s' % (type(error).__name__, error)}


def main():
    for path in sys.argv[1:]:
        load_extension(path)
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(json.loads(line))) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    main()
