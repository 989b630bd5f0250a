#!/usr/bin/python3
"""Records how a real Glance answers the image members API, for apps/api/test/image-members.e2e.spec.ts.

Usage: capture-members.py http://127.0.0.1:19555 > reference/captures/members/glance-25.1.jsonl

Glance must trust identity headers (a paste pipeline of `context` without `authtoken`) and run
HEAD's rules (`enforce_secure_rbac = True`, `[oslo_policy] enforce_new_defaults = True`). Each line
is one request and its answer; image ids become {SH} / {PRIV} / {P2}, times <time>, so that the
test can replay the steps against glance-ts and compare status and body.
"""
import json
import re
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1]
MEMBER = 'member,reader'
ids = {}


def call(project, roles, method, path, body=None):
    for name, value in ids.items():
        path = path.replace('{%s}' % name, value)
    data = None if body is None else body.encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={
        'X-Identity-Status': 'Confirmed', 'X-Roles': roles, 'X-Project-Id': project,
        'X-User-Id': 'u-' + project, 'Accept': 'application/json',
        **({'Content-Type': 'application/json'} if body is not None else {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def normalize(text):
    for name, value in ids.items():
        text = text.replace(value, '{%s}' % name)
    return re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>', text)


def create(name, project, visibility):
    fields = {'name': name, 'disk_format': 'raw', 'container_format': 'bare', 'visibility': visibility}
    status, text = call(project, MEMBER, 'POST', '/v2/images', json.dumps(fields))
    assert status == 201, (status, text)
    ids[name] = json.loads(text)['id']


create('SH', 'pa', 'shared')
create('PRIV', 'pa', 'private')
create('P2', 'pb', 'shared')

STEPS = [
    ('add: not a shared image', 'pa', MEMBER, 'POST', '/v2/images/{PRIV}/members', '{"member": "pb"}'),
    ('add: the owner adds pb', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": "pb"}'),
    ('add: a duplicate', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": "pb"}'),
    ('add: no body', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', None),
    ('add: no member', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '{}'),
    ('add: an empty member', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": ""}'),
    ('add: a list body', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '[1]'),
    ('add: malformed JSON', 'pa', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": '),
    ('add: a reader of the owner', 'pa', 'reader', 'POST', '/v2/images/{SH}/members', '{"member": "pc"}'),
    ('add: the member adds another', 'pb', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": "pc"}'),
    ('add: a stranger', 'pc', MEMBER, 'POST', '/v2/images/{SH}/members', '{"member": "pc"}'),
    ('add: an admin adds pd', 'px', 'admin,member,reader', 'POST', '/v2/images/{SH}/members', '{"member": "pd"}'),
    ('list: the owner', 'pa', MEMBER, 'GET', '/v2/images/{SH}/members', None),
    ('list: the member sees its own', 'pb', MEMBER, 'GET', '/v2/images/{SH}/members', None),
    ('list: a stranger', 'pc', MEMBER, 'GET', '/v2/images/{SH}/members', None),
    ('list: not a shared image', 'pa', MEMBER, 'GET', '/v2/images/{PRIV}/members', None),
    ('list: an admin', 'px', 'admin,member,reader', 'GET', '/v2/images/{SH}/members', None),
    ('show: the owner', 'pa', MEMBER, 'GET', '/v2/images/{SH}/members/pb', None),
    ('show: the member', 'pb', MEMBER, 'GET', '/v2/images/{SH}/members/pb', None),
    ('show: the member asks for another', 'pb', MEMBER, 'GET', '/v2/images/{SH}/members/pd', None),
    ('show: unknown member', 'pa', MEMBER, 'GET', '/v2/images/{SH}/members/zz', None),
    ('show: a stranger', 'pc', MEMBER, 'GET', '/v2/images/{SH}/members/pb', None),
    ('show: not a shared image', 'pa', MEMBER, 'GET', '/v2/images/{PRIV}/members/pb', None),
    ('image: the pending member gets it', 'pb', MEMBER, 'GET', '/v2/images/{SH}', None),
    ('image: a stranger', 'pc', MEMBER, 'GET', '/v2/images/{SH}', None),
    ('update: the owner', 'pa', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{"status": "accepted"}'),
    ('update: a bad status', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{"status": "bogus"}'),
    ('update: the owner with a bad status', 'pa', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{"status": "bogus"}'),
    ('update: no status', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{}'),
    ('update: a list body', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '[]'),
    ('update: no body', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', None),
    ('update: a reader member', 'pb', 'reader', 'PUT', '/v2/images/{SH}/members/pb', '{"status": "accepted"}'),
    ('update: another member', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pd', '{"status": "accepted"}'),
    ('update: the member accepts', 'pb', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{"status": "accepted"}'),
    ('update: a stranger', 'pc', MEMBER, 'PUT', '/v2/images/{SH}/members/pb', '{"status": "accepted"}'),
    ('update: not a shared image, owner', 'pa', MEMBER, 'PUT', '/v2/images/{PRIV}/members/pb', '{"status": "accepted"}'),
    ('update: an admin', 'px', 'admin,member,reader', 'PUT', '/v2/images/{SH}/members/pd', '{"status": "rejected"}'),
    ('images: pb, default', 'pb', MEMBER, 'GET', '/v2/images?sort_key=name&sort_dir=asc', None),
    ('images: pb, pending', 'pb', MEMBER, 'GET', '/v2/images?member_status=pending&sort_key=name&sort_dir=asc', None),
    ('images: pb, all', 'pb', MEMBER, 'GET', '/v2/images?member_status=all&sort_key=name&sort_dir=asc', None),
    ('images: pb, shared', 'pb', MEMBER, 'GET', '/v2/images?visibility=shared&sort_key=name&sort_dir=asc', None),
    ('images: pb, bad member_status', 'pb', MEMBER, 'GET', '/v2/images?member_status=bogus', None),
    ('images: pd, rejected', 'pd', MEMBER, 'GET', '/v2/images?member_status=rejected', None),
    ('delete: the member', 'pb', MEMBER, 'DELETE', '/v2/images/{SH}/members/pb', None),
    ('delete: a reader of the owner', 'pa', 'reader', 'DELETE', '/v2/images/{SH}/members/pb', None),
    ('delete: a stranger', 'pc', MEMBER, 'DELETE', '/v2/images/{SH}/members/pb', None),
    ('delete: unknown member', 'pa', MEMBER, 'DELETE', '/v2/images/{SH}/members/zz', None),
    ('delete: not a shared image', 'pa', MEMBER, 'DELETE', '/v2/images/{PRIV}/members/pb', None),
    ('delete: the owner', 'pa', MEMBER, 'DELETE', '/v2/images/{SH}/members/pb', None),
    ('delete: again', 'pa', MEMBER, 'DELETE', '/v2/images/{SH}/members/pb', None),
    ('image: the former member', 'pb', MEMBER, 'GET', '/v2/images/{SH}', None),
    ('schema: member', 'pa', 'reader', 'GET', '/v2/schemas/member', None),
    ('schema: members', 'pa', 'reader', 'GET', '/v2/schemas/members', None),
]

for name, project, roles, method, path, body in STEPS:
    status, text = call(project, roles, method, path, body)
    print(json.dumps({'name': name, 'project': project, 'roles': roles, 'method': method, 'path': path,
                      'body': body, 'status': status, 'response': normalize(text)}))
