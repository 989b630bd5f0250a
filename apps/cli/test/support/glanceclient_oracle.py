"""The CLI's peers in the differential tests: Debian's python-glanceclient 4.1, prettytable and
argparse, as ops added to @glance-ts/pycompat's Python oracle (libs/pycompat/src/testing/
python_oracle.py, which also answers repr, pformat, dumps, fill and wcswidth). Each op takes the
request and returns the answer:
  print_dict  glanceclient.common.utils.print_dict(json.loads(input))   -> what it prints
  print_list  glanceclient.common.utils.print_list(objects, fields)     -> what it prints
  table       prettytable with align/max_width/sortby as given (cliff-style tables)
  help        argparse help with glanceclient's HelpFormatter, COLUMNS=columns
  print_image utils.print_image(json.loads(input), human_readable, max_col_width)
  size        utils.make_size_human_readable(json.loads(input))
  warlock     set `key` to `value` on a glanceclient image model of `schema`: '' or the error
  patch       the JSON patch glanceclient's image model sends for an image-update
"""
import argparse
import contextlib
import os
import io
import json
import types

import prettytable
from glanceclient.common import utils


def printed(function, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        function(*args, **kwargs)
    return out.getvalue()


def argparse_help(page, columns):
    from glanceclient.shell import HelpFormatter

    os.environ['COLUMNS'] = str(columns)
    parser = argparse.ArgumentParser(prog=page['prog'], description=page.get('description'),
                                     epilog=page.get('epilog'), add_help=False,
                                     formatter_class=HelpFormatter)
    for index, section in enumerate(page['sections']):
        if section['title'] == 'positional arguments':
            group = parser._positionals
        elif section['title'] == 'options':
            group = parser._optionals
        else:
            group = parser.add_argument_group(section['title'], section.get('description'))
        for number, action in enumerate(section['actions']):
            if action.get('subactions') is not None:
                subparsers = parser.add_subparsers(metavar=action['metavar'])
                for sub in action['subactions']:
                    subparsers.add_parser(sub['metavar'], help=sub.get('help'))
            elif action['optionStrings']:
                kwargs = {'help': action.get('help')}
                if action.get('metavar') is None:
                    kwargs['action'] = 'store_true'
                else:
                    kwargs['metavar'] = action['metavar']
                if action.get('required'):
                    kwargs['required'] = True
                group.add_argument(*action['optionStrings'], **kwargs)
            else:
                group.add_argument('arg_%d_%d' % (index, number), metavar=action['metavar'],
                                   help=action.get('help'), nargs='?' if action.get('optional') else None)
    return parser.format_help()


def image_model(schema):
    import warlock
    from glanceclient.v2 import schemas
    return warlock.model_factory(schema, base_class=schemas.SchemaBasedModel)


def warlock_error(case):
    image = image_model(json.loads(case['schema']))()
    try:
        setattr(image, case['key'], json.loads(case['value']))
    except Exception as error:  # warlock.InvalidOperation, as glanceclient's TypeError message
        return str(error)
    return ''


def update_patch(case):
    # glanceclient's images.update(): the model of the current image, fields set, props removed.
    image = image_model(json.loads(case['schema']))(**json.loads(case['current']))
    fields = json.loads(case['fields'])
    for key, value in fields.items():
        setattr(image, key, value)
    for key in set(image.keys()).intersection(set(case['remove']).difference(fields.keys())):
        delattr(image, key)
    return image.patch


def table(case):
    table = prettytable.PrettyTable(case['fields'])
    for field, align in case.get('align', {}).items():
        table.align[field] = align
    for field, width in case.get('max_width', {}).items():
        table.max_width[field] = width
    for row in json.loads(case['rows']):
        table.add_row(row)
    return table.get_string(sortby=case.get('sortby'))


def print_list(case):
    objects = [types.SimpleNamespace(**item) for item in json.loads(case['input'])]
    return printed(utils.print_list, objects, case['fields'])


OPS = {
    'print_image': lambda case: printed(utils.print_image, json.loads(case['input']),
                                        case.get('human_readable', False), case.get('max_col_width')),
    'size': lambda case: utils.make_size_human_readable(json.loads(case['input'])),
    'warlock': warlock_error,
    'patch': update_patch,
    'print_dict': lambda case: printed(utils.print_dict, json.loads(case['input'])),
    'print_list': print_list,
    'table': table,
    'help': lambda case: argparse_help(case['page'], case['columns']),
}
