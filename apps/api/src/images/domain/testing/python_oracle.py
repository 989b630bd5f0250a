"""Answers the image domain's differential tests with the real Python libraries Glance uses.

Reads one JSON request per line on stdin and writes one JSON answer per line on stdout:

  {"op": "validate", "schema": {...}, "instance": ...}
      -> {"best": str(error) or null, "acceptable": [...]} as jsonschema.validate reports it;
         "acceptable" lists every message Python could have given (jsonschema visits additional
         properties in set order, which depends on the hash seed).
  {"op": "pformat", "value": ...}      -> pprint.pformat(value, width=72)
  {"op": "repr", "value": ...}         -> repr(value)
  {"op": "int", "text": "..."}         -> str(int(text)), or null for ValueError
  {"op": "strip" | "title" | "len", "text": "..."}
  {"op": "iso8601", "text": "..."}     -> the instant as UTC "YYYY-MM-DDTHH:MM:SS.ffffff", or null
                                          when iso8601.parse_date raises or normalising overflows
  {"op": "urlencode", "pairs": [[k, v], ...]} -> urllib.parse.urlencode(pairs)
"""

import json
import pprint
import sys
import urllib.parse

import iso8601
import jsonschema
from jsonschema import exceptions


_VALIDATORS = {}


def validate(schema, instance):
    # jsonschema.validate checks the schema against its metaschema on every call; once is enough.
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[key] = cls(schema)
    errors = list(_VALIDATORS[key].iter_errors(instance))
    if not errors:
        return {"best": None, "acceptable": []}
    best = exceptions.best_match(iter(errors))
    top = max(exceptions.relevance(error) for error in errors)
    tied = [error for error in errors if exceptions.relevance(error) == top]
    if tied[0].relative_schema_path[0] == "additionalProperties":
        acceptable = [str(error) for error in tied
                      if error.relative_schema_path[0] == "additionalProperties"]
    else:
        acceptable = [str(best)]
    return {"best": str(best), "acceptable": acceptable}


def parse_iso8601(text):
    try:
        parsed = iso8601.parse_date(text)
        offset = parsed.utcoffset()
        naive = parsed.replace(tzinfo=None) - offset if offset is not None else parsed
    except (iso8601.ParseError, TypeError, OverflowError, ValueError):
        return None
    return naive.strftime("%Y-%m-%dT%H:%M:%S.%f").rjust(26, "0")


def python_int(text):
    try:
        return str(int(text))
    except ValueError:
        return None


def answer(request):
    op = request["op"]
    if op == "validate":
        return validate(request["schema"], request["instance"])
    if op == "pformat":
        return pprint.pformat(request["value"], width=72)
    if op == "repr":
        return repr(request["value"])
    if op == "int":
        return python_int(request["text"])
    if op == "strip":
        return request["text"].strip()
    if op == "title":
        return request["text"].title()
    if op == "len":
        return len(request["text"])
    if op == "iso8601":
        return parse_iso8601(request["text"])
    if op == "urlencode":
        return urllib.parse.urlencode([tuple(pair) for pair in request["pairs"]])
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")


if __name__ == "__main__":
    main()
