"""Answers policy questions with the real oslo.policy, for libs/policy's differential test: ops
added to @glance-ts/pycompat's Python oracle (libs/pycompat/src/testing/python_oracle.py, which
reads the requests and writes the answers, one JSON line each):

  {"op": "rules", "id": K, "rules": {name: rule_text}}
      -> {"ok": true}                    defines rule set K (parsed by oslo.policy)
  {"op": "enforce", "rules": K, "rule": name, "target": {...}, "creds": {...}}
      -> {"result": true | false | "error", "error": "ExceptionType: message"?}
  {"op": "parse", "text": rule_text}
      -> {"outcome": "ok" | "string" | "failed", "str": str(parse_rule(text))}
  {"op": "sample", "defaults": [RuleDefault as JSON]}
      -> {"text": the YAML oslopolicy-sample-generator writes for them}

Run by /usr/bin/python3, which needs python3-oslo.policy.
"""

import functools
import inspect
import logging
import types
import warnings

from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import _parser
from oslo_policy import generator
from oslo_policy import policy

# Unparsable rules log tracebacks on purpose; they would drown the answers' stream.
logging.disable(logging.CRITICAL)
warnings.simplefilter('ignore')


@functools.lru_cache(maxsize=None)
def _argspec_of(function):
    return inspect.getfullargspec(function)


def _cached_getfullargspec(method):
    # _checks._check inspects every check's __call__ on every call, which is most of the
    # oracle's time; the answer only depends on the class, so cache it (same results).
    return _argspec_of(getattr(method, '__func__', method))


_checks.inspect = types.SimpleNamespace(getfullargspec=_cached_getfullargspec)


def make_enforcer():
    conf = cfg.ConfigOpts()
    conf([], project='oracle')
    return policy.Enforcer(conf, use_conf=False)


def parse_outcome(text):
    """Whether oslo.policy's shift-reduce parser accepts the rule, replicating _parse_text_rule."""
    if not text:
        return 'ok'
    state = _parser.ParseState()
    for token, value in _parser._parse_tokenize(text):
        state.shift(token, value)
    if len(state.values) != 1:
        return 'failed'
    return 'string' if isinstance(state.values[0], str) else 'ok'


def rule_default(spec):
    deprecated = None
    if spec.get('deprecatedRule'):
        old = spec['deprecatedRule']
        deprecated = policy.DeprecatedRule(
            name=old['name'], check_str=old['checkStr'],
            deprecated_reason=old.get('deprecatedReason'),
            deprecated_since=old.get('deprecatedSince'))
    common = dict(
        name=spec['name'], check_str=spec['checkStr'],
        description=spec.get('description') or None,
        deprecated_rule=deprecated,
        deprecated_for_removal=spec.get('deprecatedForRemoval', False),
        deprecated_reason=spec.get('deprecatedReason'),
        deprecated_since=spec.get('deprecatedSince'),
        scope_types=spec.get('scopeTypes'))
    if spec.get('operations'):
        return policy.DocumentedRuleDefault(operations=spec['operations'], **common)
    return policy.RuleDefault(**common)


_ENFORCERS = {}


def define_rules(request):
    enforcer = make_enforcer()
    parsed = {name: _parser.parse_rule(text) for name, text in request['rules'].items()}
    enforcer.set_rules(policy.Rules(parsed, 'default'), use_conf=False)
    _ENFORCERS[request['id']] = enforcer
    return {'ok': True}


def enforce(request):
    enforcer = _ENFORCERS[request['rules']]
    try:
        result = enforcer.enforce(request['rule'], request['target'], request['creds'])
    except Exception as error:  # every escape is what the differential test compares
        return {'result': 'error', 'error': '%s: %s' % (type(error).__name__, error)}
    return {'result': bool(result)}


def parse(request):
    text = request['text']
    return {'outcome': parse_outcome(text), 'str': str(_parser.parse_rule(text))}


def sample(request):
    defaults = [rule_default(spec) for spec in request['defaults']]
    return {'text': ''.join(generator._format_rule_default_yaml(d) for d in defaults)}


OPS = {'rules': define_rules, 'enforce': enforce, 'parse': parse, 'sample': sample}
