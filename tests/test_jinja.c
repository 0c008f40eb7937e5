/* test_jinja.c — unit tests of the Jinja interpreter on its own: expressions, filters, tests,
 * methods, whitespace control, loop variables, scoping, macros/call blocks, tojson escapes,
 * undefined behaviour, Python-style runtime errors, syntax errors with line:column, and
 * finding a model's template. The expected outputs and error messages of the table were produced
 * by Jinja2 3.1.6 configured like HF's apply_chat_template (ImmutableSandboxedEnvironment,
 * trim_blocks, lstrip_blocks, loopcontrols, tojson = json.dumps(ensure_ascii=False),
 * raise_exception, strftime_now at SOURCE_DATE_EPOCH=1721952000). Tolerance: byte-exact output;
 * for errors our message must start with Jinja2's "<ExceptionClass>: <message>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ffai/chat.h"
#include "testutil.h"

typedef struct {
    const char *tmpl, *vars;
    int ok;            /* 1: expect output, 0: expect an error */
    const char *want;  /* output, or the start of the error message */
} tcase;

static const tcase CASES[] = {
    {"{{ 1 + 2 }}|{{ 7 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 1.5 * 2 }}|{{ 10 / 5 }}",
     "{}",
     1, "3|3.5|3|-4|1|2|1024|0.5|3.0|2.0"},
    {"{{ 0.1 + 0.2 }}|{{ 1e-5 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 123.456 }}|{{ 1/3 }}|{{ 2.0 }}|{{ -0.0 }}|{{ 1_000 }}|{{ 0x1F }}",
     "{}",
     1, "0.30000000000000004|1e-05|1e+16|1000000000000000.0|123.456|0.3333333333333333|2.0|-0.0|1000|31"},
    {"{{ \"a\" ~ 1 ~ none ~ true }}|{{ 'x' * 3 }}|{{ [1,2] + [3] }}|{{ (1,2) }}|{{ (1,) }}|{{ () }}|{{ {'a': 1, 'b': [1, 'x', none, true, 1.0]} }}",
     "{}",
     1, "a1NoneTrue|xxx|[1, 2, 3]|(1, 2)|(1,)|()|{'a': 1, 'b': [1, 'x', None, True, 1.0]}"},
    {"{{ \"it's\" }}|{{ [\"it's\", 'say \"hi\"', \"both ' \\\"\"] }}|{{ 'a\\nb\\tc\\\\d' }}|{{ ['a\\nb'] }}|{{ \"\\u00e9\\x41\" }}",
     "{}",
     1, "it's|[\"it's\", 'say \"hi\"', 'both \\' \"']|a\nb\tc\\d|['a\\nb']|\303\251A"},
    {"{{ x }}|{{ x is defined }}|{{ x is undefined }}|{{ x | default('d') }}|{{ none | default('d') }}|{{ none | default('d', true) }}|{{ '' | d('e', true) }}|{{ x | length }}",
     "{}",
     1, "|False|True|d|None|d|e|0"},
    {"{% for i in x %}{{ i }}{% else %}empty{% endfor %}",
     "{}",
     1, "empty"},
    {"{{ x.y }}",
     "{}",
     0, "UndefinedError: 'x' is undefined"},
    {"{{ x + 'a' }}",
     "{}",
     0, "UndefinedError: 'x' is undefined"},
    {"{{ 'a' + x }}",
     "{}",
     0, "UndefinedError: 'x' is undefined"},
    {"{{ 'a' ~ x ~ 'b' }}",
     "{}",
     1, "ab"},
    {"{{ d.missing }}|{{ d['missing'] }}|{{ d.missing is defined }}|{{ d.a }}|{{ d['a'] }}|{{ l[5] }}|{{ l[-1] }}",
     "{\"d\": {\"a\": 1}, \"l\": [1, 2, 3]}",
     1, "||False|1|1||3"},
    {"{{ d.missing.x }}",
     "{\"d\": {\"a\": 1}}",
     0, "UndefinedError: 'dict object' has no attribute 'missing'"},
    {"{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}",
     "{\"l\": [\"a\", \"b\", \"c\"]}",
     1, "10TrueFalse332b;21FalseFalse321ac;32FalseTrue310b;"},
    {"{% for x in l if x != 'b' %}{{ loop.index }}/{{ loop.length }}{{ x }} {% endfor %}",
     "{\"l\": [\"a\", \"b\", \"c\"]}",
     1, "1/2a 2/2c "},
    {"{% for x in l %}{% if x == 'b' %}{% continue %}{% endif %}{% if x == 'd' %}{% break %}{% endif %}{{ x }}{% endfor %}",
     "{\"l\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}",
     1, "ac"},
    {"{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}|{% for k, v in d|items %}{{k}}{% endfor %}",
     "{\"d\": {\"z\": 1, \"a\": 2, \"m\": 3}}",
     1, "z=1,a=2,m=3,|zam|a2m3z1|zam"},
    {"{% set ns = namespace(found=false, n=0) %}{% for x in [1,2,3] %}{% set ns.n = ns.n + x %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}",
     "{}",
     1, "True 6"},
    {"{% set x = 1 %}{% for i in [1,2] %}{% set x = i %}{{ x }}{% endfor %}{{ x }}",
     "{}",
     1, "121"},
    {"{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (3, 4) %}{% set c, d = t %}{{ c + d }}",
     "{}",
     1, "127"},
    {"{% set blk %}  inside {{ 1 + 1 }}  {% endset %}[{{ blk }}]{% set blk2 | trim | upper %}  xx  {% endset %}[{{ blk2 }}]",
     "{}",
     1, "[  inside 2  ][XX]"},
    {"{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Hi') }} {{ greet(name='Z') }}",
     "{}",
     1, "Hello, Bob! Hi, Al! Hello, Z!"},
    {"{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 }}{% endcall %}",
     "{}",
     1, "<b>bold 1</b>"},
    {"{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1, 2) }}",
     "{}",
     0, "TypeError: macro 'm' takes not more than 1 argument(s)"},
    {"{% raw %}{{ not rendered }} {% if %}{% endraw %}",
     "{}",
     1, "{{ not rendered }} {% if %}"},
    {"{% filter upper %}hello {{ 'world' }}{% endfilter %}",
     "{}",
     1, "HELLO WORLD"},
    {"A\n  {% if true %}\n    B\n  {% endif %}\nC\n  {{ 'D' }}\nE {%- if true %} F {% endif -%} G\n{%+ if true %}H{% endif %}\n  {# comment #}\nI",
     "{}",
     1, "A\n    B\nC\n  D\nE F G\nHI"},
    {"  {%- if true -%}   x   {%- endif -%}  \ny {{- ' z ' -}} w\n{# c #}\nend",
     "{}",
     1, "xy z w\nend"},
    {"{{ '  a b  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ 'Hello World' | upper }}|{{ 'Hello' | lower }}|{{ 'hello wORLD-foo(bar' | title }}|{{ 'hELLO' | capitalize }}",
     "{}",
     1, "a b|a|HELLO WORLD|hello|Hello World-Foo(Bar|Hello"},
    {"{{ [3,1,2] | sort }}|{{ [3,1,2] | sort(reverse=true) }}|{{ ['b','A','c'] | sort }}|{{ l | sort(attribute='n') | map(attribute='n') | list }}|{{ [1,2,2,3,1] | unique | list }}",
     "{\"l\": [{\"n\": 2}, {\"n\": 1}, {\"n\": 3}]}",
     1, "[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']|[1, 2, 3]|[1, 2, 3]"},
    {"{{ [1,2,3] | join(',') }}|{{ l | join(', ', attribute='n') }}|{{ [1,2,3] | first }}|{{ [1,2,3] | last }}|{{ 'abc' | list }}|{{ [1,2,3] | reverse | list }}|{{ 'abc' | reverse }}",
     "{\"l\": [{\"n\": 2}, {\"n\": 1}]}",
     1, "1,2,3|2, 1|1|3|['a', 'b', 'c']|[3, 2, 1]|cba"},
    {"{{ l | selectattr('role', 'equalto', 'user') | list | length }}|{{ l | rejectattr('role', 'eq', 'user') | map(attribute='content') | join }}|{{ [0,1,2,3] | select('odd') | list }}|{{ [0,1,2,3] | reject('even') | list }}|{{ [1,0,2] | select | list }}|{{ l | selectattr('x') | list }}",
     "{\"l\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\", \"x\": 1}]}",
     1, "1|b|[1, 3]|[1, 3]|[1, 2]|[{'role': 'assistant', 'content': 'b', 'x': 1}]"},
    {"{{ ['a','b'] | map('upper') | list }}|{{ l | map(attribute='missing', default='z') | list }}|{{ [1.5, '2', 'x'] | map('int') | list }}|{{ ['1.5', 2] | map('float') | list }}",
     "{\"l\": [{\"n\": 1}]}",
     1, "['A', 'B']|['z']|[1, 2, 0]|[1.5, 2.0]"},
    {"{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}|{{ 'x' | indent('> ', first=true) }}",
     "{}",
     1, "a\n    b\n\n    c|  a\n  b|a\n  \n  b|> x"},
    {"{{ 3.7 | round }}|{{ 2.5 | round }}|{{ 3.14159 | round(2) }}|{{ 3.1 | round(0, 'ceil') }}|{{ 5 | round }}|{{ -3 | abs }}|{{ [1,5,3] | max }}|{{ [4,2,8] | min }}|{{ [1,2,3.5] | sum }}|{{ 'Hello World' | wordcount }}",
     "{}",
     1, "4.0|2.0|3.14|4.0|5|3|5|2|6.5|2"},
    {"{{ [1,2,3,4,5] | batch(2) | list }}|{{ 'x' | safe }}|{{ '<a>' | e }}|{{ '<a>' | escape }}|{{ 42 | string }}|{{ 'abc' | count }}",
     "{}",
     1, "[[1, 2], [3, 4], [5]]|x|&lt;a&gt;|&lt;a&gt;|42|3"},
    {"{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ [] | tojson }}|{{ {} | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}",
     "{\"d\": {\"b\": [1, 2.5, null, true, \"x\\\"y\\\\z\\n\\t\\u0001\\u001f\177 \303\251 \360\237\230\200\"], \"a\": {\"n\": 1.0, \"m\": [], \"e\": 1e-07}}}",
     1, "{\"b\": [1, 2.5, null, true, \"x\\\"y\\\\z\\n\\t\\u0001\\u001f\177 \303\251 \360\237\230\200\"], \"a\": {\"n\": 1.0, \"m\": [], \"e\": 1e-07}}|{\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true,\n    \"x\\\"y\\\\z\\n\\t\\u0001\\u001f\177 \303\251 \360\237\230\200\"\n  ],\n  \"a\": {\n    \"n\": 1.0,\n    \"m\": [],\n    \"e\": 1e-07\n  }\n}|[]|{}|{\"a\": {\"e\": 1e-07, \"m\": [], \"n\": 1.0}, \"b\": [1, 2.5, null, true, \"x\\\"y\\\\z\\n\\t\\u0001\\u001f\177 \303\251 \360\237\230\200\"]}|{\"b\":[1,2.5,null,true,\"x\\\"y\\\\z\\n\\t\\u0001\\u001f\177 \303\251 \360\237\230\200\"],\"a\":{\"n\":1.0,\"m\":[],\"e\":1e-07}}"},
    {"{{ '\303\251\360\237\230\200' | tojson(ensure_ascii=true) }}|{{ '\303\251\360\237\230\200' | tojson }}|{{ {1: 'a', none: 2, true: 3, 2.5: 4} | tojson }}|{{ (1, 2) | tojson }}",
     "{}",
     1, "\"\\u00e9\\ud83d\\ude00\"|\"\303\251\360\237\230\200\"|{\"1\": 3, \"null\": 2, \"2.5\": 4}|[1, 2]"},
    {"{{ x | tojson }}",
     "{}",
     0, "TypeError: Object of type Undefined is not JSON serializable"},
    {"{{ [1,2] | map('string') | tojson }}",
     "{}",
     0, "TypeError: Object of type generator is not JSON serializable"},
    {"{{ '  a  '.strip() }}|{{ 'xxa'.lstrip('x') }}|{{ 'a\\n'.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'a b c'.rsplit(None, 1) }}",
     "{}",
     1, "a|a|a|['a', 'b', '', 'c']|['a', 'b']|['a', 'b,c']|['a,b', 'c']|['a b', 'c']"},
    {"{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'Hello'.upper() }}|{{ 'Hello'.lower() }}|{{ \"they're bill's\" .title() }}|{{ 'hello world'.capitalize() }}|{{ 'hello'.find('l') }}|{{ 'hello'.find('z') }}|{{ 'hello'.count('l') }}|{{ '{} and {}'.format(1, 'b') }}|{{ '-'.join(['a','b']) }}",
     "{}",
     1, "True|True|bba|HELLO|hello|They'Re Bill'S|Hello world|2|-1|2|1 and b|a-b"},
    {"{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 5) }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.items() | list }}",
     "{\"d\": {\"a\": 1, \"b\": 2}}",
     1, "1|None|5|['a', 'b']|[1, 2]|[('a', 1), ('b', 2)]"},
    {"{{ 'abcdef'[1:3] }}|{{ 'abcdef'[::-1] }}|{{ [1,2,3,4][::2] }}|{{ [1,2,3,4][-2:] }}|{{ 'h\303\251llo'[1] }}|{{ 'h\303\251llo'|length }}|{{ 'h\303\251llo'[:2] }}|{{ [1,2,3][5:] }}|{{ l[:-1] }}",
     "{\"l\": [1, 2, 3]}",
     1, "bc|fedcba|[1, 3]|[3, 4]|\303\251|5|h\303\251|[]|[1, 2]"},
    {"{{ 1 < 2 < 3 }}|{{ 1 == 1.0 }}|{{ 'a' in 'abc' }}|{{ 'x' not in ['a'] }}|{{ 'k' in {'k': 1} }}|{{ not 1 }}|{{ 1 and 'x' }}|{{ 0 or 'y' }}|{{ none or false }}|{{ 'a' if false }}|{{ 'a' if true else 'b' }}|{{ 3 if 1 > 2 else 4 if true else 5 }}",
     "{}",
     1, "True|True|True|True|True|False|x|y|False||a|4"},
    {"{{ 1 is odd }}|{{ 4 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(2) }}|{{ 'a' is string }}|{{ {} is mapping }}|{{ [] is iterable }}|{{ 1 is number }}|{{ 1 is integer }}|{{ 1.0 is float }}|{{ true is boolean }}|{{ none is none }}|{{ [] is sequence }}|{{ 'abc' is lower }}|{{ 'ABC' is upper }}|{{ x is not defined }}|{{ range is callable }}|{{ true is true }}|{{ 0 is false }}|{{ 1 is sameas 1 }}|{{ 'a' is in 'abc' }}|{{ 2 is eq 2 }}|{{ 3 is gt 2 }}",
     "{}",
     1, "True|True|True|False|True|True|True|True|True|True|True|True|True|True|True|True|True|True|False|True|True|True|True"},
    {"{{ range(3) | list }}|{{ range(1, 7, 2) | list }}|{{ range(5, 0, -2) | list }}|{{ dict(a=1, b='x') }}|{{ strftime_now('%Y-%m-%d %H:%M %b %d') }}",
     "{}",
     1, "[0, 1, 2]|[1, 3, 5]|[5, 3, 1]|{'a': 1, 'b': 'x'}|2024-07-26 00:00 Jul 26"},
    {"{{ raise_exception('boom here') }}",
     "{}",
     0, "TemplateError: boom here"},
    {"{% if x is string %}s{% elif x is mapping %}m{% elif x is iterable %}i{% else %}o{% endif %}",
     "{\"x\": [1]}",
     1, "i"},
    {"{{ 'abc' | nofilter }}",
     "{}",
     0, "TemplateAssertionError: No filter named 'nofilter'."},
    {"{{ [1] + 'a' }}",
     "{}",
     0, "TypeError: can only concatenate list (not \"str\") to list"},
    {"{{ 1 + 'a' }}",
     "{}",
     0, "TypeError: unsupported operand type(s) for +: 'int' and 'str'"},
    {"{{ {'a':1} < 2 }}",
     "{}",
     0, "TypeError: '<' not supported between instances of 'dict' and 'int'"},
    {"{{ none.x }}",
     "{}",
     1, ""},
    {"{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %}|{% for a in [] %}{% else %}none{% endfor %}",
     "{}",
     1, "1234|none"},
    {"{% set x = [1,2] %}{{ x.append(3) }}",
     "{}",
     0, "SecurityError: access to attribute 'append' of 'list' object is unsafe."},
    {"{{ \"tab\\tq\\'s\" }}|{{ '\\x41\\u0042\\101' }}|{{ \"a\" \"b\" }}|{{ 'unknown \\s escape' }}",
     "{}",
     1, "tab\tq's|ABA|ab|unknown \\s escape"},
    {"{{ messages[0]['content'] | length }}{{ messages | length }}{% for m in messages %}{{ m.role | upper }}{% endfor %}",
     "{\"messages\": [{\"role\": \"user\", \"content\": \"h\303\251llo\"}, {\"role\": \"assistant\", \"content\": \"x\"}]}",
     1, "52USERASSISTANT"},
    {"{%- set x = 'a' -%}\n{%- macro f() -%}{{ x }}{%- endmacro -%}\n{%- set x = 'b' -%}\n{{ f() }}",
     "{}",
     1, "b"},
    {"{{ 10 // 3 }}|{{ 10.0 // 3 }}|{{ 2 ** 0.5 }}|{{ 7 % -3 }}|{{ 7.5 % 2 }}|{{ true + 1 }}|{{ -(3) }}|{{ +4 }}|{{ 1 / 0 if false else 'ok' }}",
     "{}",
     1, "3|3.0|1.4142135623730951|-2|1.5|2|-3|4|ok"},
    {"{{ 1 / 0 }}",
     "{}",
     0, "ZeroDivisionError: division by zero"},
    {"{{ [1, 2, 3] | length }}{{ {'a': 1} | length }}{{ l | selectattr('a') | length }}",
     "{\"l\": [{\"a\": 1}]}",
     0, "TypeError: object of type 'generator' has no len()"},
    {"{%- for m in messages -%}\n{{ loop.cycle('odd', 'even') }}\n{%- endfor -%}",
     "{\"messages\": [1, 2, 3]}",
     1, "oddevenodd"},
    {"{{ '%s' | replace('%', 'p') }}|{{ 'abc' | replace('', '-') }}|{{ 12345 | replace('3', 'x') }}",
     "{}",
     1, "ps|-a-b-c-|12x45"},
    {"{{ x.a }}",
     "{\"x\": null}",
     1, ""},
    {"{{ [1, 2][0:1][0] }}{{ [[1, 2]][0][1] }}{{ l.0 }}{{ d.a.b }}",
     "{\"l\": [7], \"d\": {\"a\": {\"b\": 9}}}",
     1, "1279"},
    {"  {# lead comment #}\nx\n    {#- strip -#}\n  y\n\t{% if true %}\ttab\n\t{% endif %}\n  {{ 'var line' }}  \nz {% if true +%}\nkeep{% endif %}\n  {%+ if true %}plus{% endif %}",
     "{}",
     1, "xy\n\ttab\n  var line  \nz \nkeep  plus"},
    {"{% for i in range(3) %}\n  - {{ i }}\n{% endfor %}\ndone",
     "{}",
     1, "  - 0\n  - 1\n  - 2\ndone"},
    {"{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '<u>' + m.content }}\n    {%- else %}\n        {{- '<a>' + m.content }}\n    {%- endif %}\n{%- endfor %}",
     "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"r\"}]}",
     1, "<u>q<a>r"},
    {"{% macro outer(x) %}[{{ inner(x) }}]{% endmacro %}{% macro inner(y) %}{{ y * 2 }}{% endmacro %}{{ outer(3) }}",
     "{}",
     1, "[6]"},
    {"{% macro list_items(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(item) list_items([1,2]) %}<{{ item }}>{% endcall %}",
     "{}",
     1, "<1><2>"},
    {"{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}",
     "{}",
     1, "120"},
    {"{% set outer = 1 %}{% macro m() %}{% set outer = 2 %}{{ outer }}{% endmacro %}{{ m() }}{{ outer }}",
     "{}",
     1, "21"},
    {"{% for i in [1,2] %}{% for j in [3,4] %}{{ loop.index }}{{ i }}{{ j }} {% endfor %}{{ loop.index }}|{% endfor %}",
     "{}",
     1, "113 214 1|123 224 2|"},
    {"{{ \"line1\nline2\" }}",
     "{}",
     1, "line1\nline2"},
    {"{%- if messages[0]['role'] == 'system' -%}\n{%- set system = messages[0]['content'] -%}\n{%- set messages = messages[1:] -%}\n{%- endif -%}\n{{ system }}|{{ messages | length }}",
     "{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"u\"}]}",
     1, "S|1"},
    {"{{ x is defined and x.y }}|{{ x is not defined or x.y }}",
     "{}",
     1, "False|True"},
    {"{{ 'a' < 'b' }}{{ [1,2] < [1,3] }}{{ (1,2) == (1,2) }}{{ [1,2] == (1,2) }}{{ none == none }}{{ 1 != 'a' }}",
     "{}",
     1, "TrueTrueTrueFalseTrueTrue"},
    {"{{ \"\\\"quoted\\\"\" | tojson }}|{{ \"</script>\" | tojson }}|{{ 1.0 | tojson }}|{{ 100000000000000000000.0 | tojson }}|{{ -5 | tojson }}|{{ true | tojson }}|{{ none | tojson }}",
     "{}",
     1, "\"\\\"quoted\\\"\"|\"</script>\"|1.0|1e+20|-5|true|null"},
    {"{{ tools | tojson(indent=4) }}",
     "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\", \"enum\": [\"x\", \"y\"]}}, \"required\": [\"a\"]}}}]}",
     1, "[\n    {\n        \"type\": \"function\",\n        \"function\": {\n            \"name\": \"f\",\n            \"parameters\": {\n                \"type\": \"object\",\n                \"properties\": {\n                    \"a\": {\n                        \"type\": \"string\",\n                        \"enum\": [\n                            \"x\",\n                            \"y\"\n                        ]\n                    }\n                },\n                \"required\": [\n                    \"a\"\n                ]\n            }\n        }\n    }\n]"},
    {"{{ l | tojson }}{{ l[0] | string }}",
     "{\"l\": [1.5, 2e-10, 3e+20, 1e+300, 0.001, 12345678.9, 1.7976931348623157e+308]}",
     1, "[1.5, 2e-10, 3e+20, 1e+300, 0.001, 12345678.9, 1.7976931348623157e+308]1.5"},
    {"{{ '  x  ' | trim | length }}{{ ' ' | trim == '' }}{{ '\\u3000x\\u00a0' | trim }}",
     "{}",
     1, "1Truex"},
    {"{% for x in 'ab' %}{{ x }}{% endfor %}{% for x in none %}{% endfor %}",
     "{}",
     0, "TypeError: 'NoneType' object is not iterable"},
    {"{{ [1,[2,3]] | string }}|{{ {'a': 'b'} | string }}|{{ none | string }}|{{ true | string }}|{{ 1.50 | string }}",
     "{}",
     1, "[1, [2, 3]]|{'a': 'b'}|None|True|1.5"},
    {"{% set s = 'x' %}{% set s = s + 'y' %}{{ s }}{% set l = [1] %}{% set l = l + [2] %}{{ l }}",
     "{}",
     1, "xy[1, 2]"},
    {"{{ \"Use '\" | safe + \"it's\" }}|{{ \"<\" + \"b\" | safe }}|{{ (\"a\" | safe) ~ \"<\" }}",
     "{}",
     1, "Use 'it&#39;s|&lt;b|a<"},
    {"{{ messages | map(attribute='content') | join(' / ') }}|{{ messages | selectattr('role', 'in', ['user', 'tool']) | list | length }}",
     "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"tool\", \"content\": \"r\"}, {\"role\": \"assistant\", \"content\": \"s\"}]}",
     1, "q / r / s|2"},
    {"{{ x.content is string }}|{{ x.content is none }}|{{ x['tool_calls'] is defined }}|{{ x.tool_calls | length }}",
     "{\"x\": {\"content\": null, \"tool_calls\": [1]}}",
     1, "False|True|True|1"},
    {"{%- set ns = namespace(last=-1) -%}\n{%- for m in messages[::-1] -%}\n{%- set idx = (messages | length) - 1 - loop.index0 -%}\n{%- if ns.last == -1 and m.role == 'user' -%}{%- set ns.last = idx -%}{%- endif -%}\n{%- endfor -%}\n{{ ns.last }}",
     "{\"messages\": [{\"role\": \"user\"}, {\"role\": \"assistant\"}, {\"role\": \"user\"}, {\"role\": \"tool\"}]}",
     1, "2"},
    {"{{ 'a' ~ 1.0 ~ [1] }}{{ 'x' | center if false else 'y' }}",
     "{}",
     1, "a1.0[1]y"},
    {"{{ (messages[-1].content.split('</think>')[-1]).lstrip('\\n') }}|{{ 'a</think>\\n\\nb'.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
     "{\"messages\": [{\"content\": \"<think>\\nr\\n</think>\\n\\nanswer\"}]}",
     1, "answer|a"},
    {"{% if 1 %}a{% elif 2 %}b{% else %}c{% endif %}{% if 0 %}a{% elif 2 %}b{% else %}c{% endif %}{% if 0 %}a{% elif 0 %}b{% else %}c{% endif %}",
     "{}",
     1, "abc"},
    {"{{ d | dictsort(reverse=true) }}|{{ d | dictsort(by='value') }}",
     "{\"d\": {\"b\": 1, \"a\": 3, \"C\": 2}}",
     1, "[('C', 2), ('b', 1), ('a', 3)]|[('b', 1), ('C', 2), ('a', 3)]"},
    {"{{ 'Hello'[0] }}{{ 'Hello'[-1] }}{{ 'Hello'[10] }}|{{ [] | first }}|{{ 'abc' | first }}",
     "{}",
     1, "Ho||a"},
    {"{{ foo() }}",
     "{}",
     0, "UndefinedError: 'foo' is undefined"},
    {"   {% if true %}a{% endif %}\n  {%- raw %} raw {{ x }} {% endraw -%}  \nb",
     "{}",
     1, "a raw {{ x }} b"},
    {"{{ '\303\211COLE stra\303\237e' | lower }}|{{ '\303\251a' | upper }}|{{ '\303\251lan vital' | title }}|{{ '\303\261u' | capitalize }}|{{ 'Hello World' | lower is lower }}",
     "{}",
     1, "\303\251cole stra\303\237e|\303\211A|\303\211lan Vital|\303\221u|True"},
    {"{{ ''.split(',') }}|{{ ''.split() }}|{{ 'a  b'.split(' ') }}|{{ ',a,'.split(',') }}|{{ 'a,b'.rsplit(',') }}|{{ '  a b c  '.split(None, 1) }}|{{ '  a b c  '.rsplit(None, 1) }}",
     "{}",
     1, "['']|[]|['a', '', 'b']|['', 'a', '']|['a', 'b']|['a', 'b c  ']|['  a b', 'c']"},
    {"{{ {'a': [], 'b': {}, 'c': [[]], 'd': {'e': {}}} | tojson(indent=2) }}",
     "{}",
     1, "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    []\n  ],\n  \"d\": {\n    \"e\": {}\n  }\n}"},
    {"{{ x | items | list }}|{{ {'b': 1, 'a': 2} | items | list }}",
     "{}",
     1, "[]|[('b', 1), ('a', 2)]"},
    {"{{ ('x' | safe) | tojson }}|{{ '12' | int + 1 }}|{{ '3.9' | int }}|{{ 'abc' | int(7) }}|{{ '1e3' | float }}|{{ 1 == 1.0 }}|{{ 2 > 1.5 }}|{{ 'b' in {'a': 1, 'b': 2} }}",
     "{}",
     1, "\"x\"|13|3|7|1000.0|True|True|True"},
    {"{% set ns = namespace(items=[]) %}{% for i in range(3) %}{% set ns.items = ns.items + [i * 2] %}{% endfor %}{{ ns.items }}{{ ns.items | length }}",
     "{}",
     1, "[0, 2, 4]3"},
    {"{% macro render(msgs) %}{% set ns = namespace(n=0) %}{% for m in msgs %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}{% endmacro %}{{ render([1,2,3]) }}",
     "{}",
     1, "3"},
    {"{%- for m in messages if m.role != 'system' -%}\n{{ loop.index0 }}:{{ m.role }}{{ ',' if not loop.last }}\n{%- endfor -%}",
     "{\"messages\": [{\"role\": \"system\"}, {\"role\": \"user\"}, {\"role\": \"assistant\"}]}",
     1, "0:user,1:assistant"},
    {"{% if not tools is none %}has{% endif %}|{% if tools is not none and tools | length > 0 %}n{% endif %}",
     "{\"tools\": []}",
     1, "has|"},
    {"{{ 5 - 3 - 1 }}|{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ (1 + 2) * 3 }}|{{ 10 - 2 * 3 }}|{{ 'a' ~ 1 + 2 }}|{{ 1 + 2 ~ 'a' }}|{{ not true == false }}",
     "{}",
     0, "TypeError: can only concatenate str (not \"int\") to str"},
    {"{{ messages[-1]['content'] if messages else '' }}|{{ (messages | last).content }}|{{ messages[0].get('name', 'anon') }}",
     "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}",
     1, "b|b|anon"},
    {"{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}{% for pair in {'b': 2} | dictsort %}{{ pair[0] }}{{ pair.1 }}{% endfor %}",
     "{}",
     1, "a1b2"},
    {"{{ [3, 1, 2] | sort | first }}|{{ ['B', 'a', 'C'] | sort(case_sensitive=true) }}|{{ [{'n': 'b'}, {'n': 'A'}] | sort(attribute='n') | map(attribute='n') | join }}|{{ ['a', 'A', 'b'] | unique | list }}",
     "{}",
     1, "1|['B', 'C', 'a']|Ab|['a', 'b']"},
    {"{{ 1.0 * 3 }}|{{ 7 / 7 }}|{{ 1e100 }}|{{ 1.5e-7 }}|{{ 0.0001 }}|{{ 123456789012345678 }}|{{ 3.0 == 3 }}|{{ 0.1 * 3 }}",
     "{}",
     1, "3.0|1.0|1e+100|1.5e-07|0.0001|123456789012345678|True|0.30000000000000004"},
    {"x {# multi\nline comment #} y\n  {#- c2 #}\nz",
     "{}",
     1, "x  yz"},
    {"{%- set content = '<tool_call>\\n{\"a\": 1}\\n</tool_call>' -%}\n{{ content.split('<tool_call>')[1].split('</tool_call>')[0].strip() }}",
     "{}",
     1, "{\"a\": 1}"},
    {"{{ range(2) | map('string') | join('-') }}|{{ [1, 2] | map('tojson') | join(',') }}|{{ ['a'] | map('tojson', indent=2) | list }}\n",
     "{}",
     1, "0-1|1,2|['\"a\"']"},
};

static int render(const char *tmpl, const char *vars, char **out, ffai_error *err) {
    ffai_template *t = NULL;
    ffai_status st = ffai_template_parse(tmpl, strlen(tmpl), &t, err);
    if (st != FFAI_OK) return st;
    size_t n;
    st = ffai_template_render(t, vars, out, &n, err);
    ffai_template_free(t);
    return st;
}

static void run_table(void) {
    int n = (int)(sizeof CASES / sizeof *CASES), pass = 0;
    for (int i = 0; i < n; i++) {
        const tcase *tc = &CASES[i];
        char *out = NULL;
        ffai_error err = {0};
        int st = render(tc->tmpl, tc->vars, &out, &err);
        bool ok;
        if (tc->ok) {
            ok = st == FFAI_OK && strcmp(out, tc->want) == 0;
            if (!ok) {
                size_t k = 0;
                while (out && out[k] && out[k] == tc->want[k]) k++;
                fprintf(stderr, "case %d: first difference at byte %zu\n  template: %s\n  want: %s\n  got:  %s\n", i, k,
                        tc->tmpl, tc->want, st == FFAI_OK ? out : err.msg);
            }
        } else {
            ok = st == FFAI_ERR_TEMPLATE && strncmp(err.msg, tc->want, strlen(tc->want)) == 0;
            if (!ok)
                fprintf(stderr, "case %d: want error \"%s\"\n  template: %s\n  got (%d): %s\n", i, tc->want, tc->tmpl,
                        st, st == FFAI_OK ? out : err.msg);
        }
        CHECK(ok, "table case %d", i);
        pass += ok;
        free(out);
    }
    printf("jinja2 reference table: %d/%d cases identical\n", pass, n);
}

/* Syntax errors: FFAI_ERR_FORMAT with "line L, column C: ...". */
static void syntax_errors(void) {
    static const struct {
        const char *tmpl, *where;
    } S[] = {
        {"{% if true %}{% for x in [1] %}{{ x }}{% endif %}", "line 1, column 42: "},
        {"{{ 1 +", "line 1, column 7: "},
        {"a\n  {{ x y }}", "line 2, column 8: "},
        {"{% for %}", "line 1, column 8: "},
        {"{{ \"unterminated }}", "line 1, column 4: "},
        {"\n\n   {{ )", "line 3, column 7: "},
        {"{% if x %}never closed", "line 1, column 11: "},
        {"{# open comment", "line 1, column 1: "},
        {"{% frobnicate %}", "line 1, column 4: "},
        {"{{ 'a' | upper }}\n{% endif %}", "line 2, column 4: "},
        {"{{ (1, 2 }}", "line 1, column 10: "},
    };
    for (size_t i = 0; i < sizeof S / sizeof *S; i++) {
        ffai_template *t = NULL;
        ffai_error err = {0};
        ffai_status st = ffai_template_parse(S[i].tmpl, strlen(S[i].tmpl), &t, &err);
        CHECK(st == FFAI_ERR_FORMAT && t == NULL, "syntax case %zu: status %d", i, st);
        CHECK(strncmp(err.msg, S[i].where, strlen(S[i].where)) == 0, "syntax case %zu: want \"%s...\", got \"%s\"", i,
              S[i].where, err.msg);
        ffai_template_free(t);
    }
}

static void api_edges(void) {
    char *out = NULL;
    ffai_error err = {0};
    CHECK(render("plain", NULL, &out, &err) == FFAI_OK && !strcmp(out, "plain"), "NULL vars");
    free(out);
    out = NULL;
    CHECK(render("x", "[1, 2]", &out, &err) == FFAI_ERR_FORMAT && !out, "vars must be an object: %s", err.msg);
    CHECK(render("x", "{bad json", &out, &err) == FFAI_ERR_FORMAT && !out, "malformed vars: %s", err.msg);
    CHECK(render("", "{}", &out, &err) == FFAI_OK && !strcmp(out, ""), "empty template");
    free(out);
    /* one trailing newline is dropped (keep_trailing_newline=False); CRLF becomes LF */
    CHECK(render("a\r\nb\n", "{}", &out, &err) == FFAI_OK && !strcmp(out, "a\nb"), "newlines: '%s'", out ? out : "");
    free(out);
    /* key order of the input JSON is kept (jansson iteration order) */
    CHECK(render("{{ d | tojson }}{% for k in d %}{{ k }}{% endfor %}", "{\"d\": {\"z\": 1, \"a\": 2, \"m\": 3}}", &out,
                 &err) == FFAI_OK && !strcmp(out, "{\"z\": 1, \"a\": 2, \"m\": 3}zam"),
          "key order: '%s'", out ? out : err.msg);
    free(out);
    /* raise_exception surfaces its message */
    CHECK(render("{{ raise_exception('Only user and assistant roles are supported!') }}", "{}", &out, &err) ==
                  FFAI_ERR_TEMPLATE && strstr(err.msg, "Only user and assistant roles are supported!"),
          "raise_exception: %s", err.msg);
    /* deep macro recursion fails cleanly */
    CHECK(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "{}", &out, &err) == FFAI_ERR_TEMPLATE,
          "runaway recursion: %s", err.msg);
    /* strftime_now honours SOURCE_DATE_EPOCH */
    CHECK(render("{{ strftime_now('%d %b %Y') }}", "{}", &out, &err) == FFAI_OK && !strcmp(out, "26 Jul 2024"),
          "strftime_now: '%s'", out ? out : err.msg);
    free(out);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void find_templates(void) {
    char *src = NULL, *bos = NULL, *eos = NULL;
    ffai_error err = {0};
    /* real tokenizer_config.json files */
    ffai_status st = ffai_chat_template_find(tu_path("%s/tokenizers/qwen3", tu_shared()), false, &src, &bos, &eos, &err);
    CHECK(st == FFAI_OK && src && strstr(src, "<|im_start|>") && eos && !strcmp(eos, "<|im_end|>"), "qwen3: %s",
          err.msg);
    free(src);
    free(bos);
    free(eos);
    st = ffai_chat_template_find(tu_path("%s/tokenizers/llama3_2", tu_shared()), true, &src, &bos, &eos, &err);
    CHECK(st == FFAI_OK && bos && !strcmp(bos, "<|begin_of_text|>"), "llama3_2 bos: %s", bos ? bos : err.msg);
    free(src);
    free(bos);
    free(eos);
    st = ffai_chat_template_find(tu_path("%s/models/ffai-tiny-qwen3", tu_shared()), false, NULL, NULL, NULL, &err);
    CHECK(st == FFAI_OK, "ffai-tiny-qwen3 has a template: %s", err.msg);

    const char *dir = tu_tmpdir();
    CHECK(dir != NULL, "tmpdir");
    if (!dir) return;
    char path[512];
    /* no template at all */
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    write_file(path, "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\"}");
    st = ffai_chat_template_find(dir, false, &src, &bos, &eos, &err);
    CHECK(st == FFAI_ERR_NOT_FOUND && !src && !bos && !eos, "no template: %d %s", st, err.msg);
    /* named list: default vs tool_use */
    write_file(path, "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\", \"chat_template\": ["
                     "{\"name\": \"default\", \"template\": \"D\"}, {\"name\": \"tool_use\", \"template\": \"T\"}]}");
    st = ffai_chat_template_find(dir, false, &src, &bos, &eos, &err);
    CHECK(st == FFAI_OK && src && !strcmp(src, "D") && bos && !strcmp(bos, "<s>") && eos && !strcmp(eos, "</s>"),
          "named default: %s", err.msg);
    free(src);
    free(bos);
    free(eos);
    st = ffai_chat_template_find(dir, true, &src, NULL, NULL, &err);
    CHECK(st == FFAI_OK && src && !strcmp(src, "T"), "named tool_use");
    free(src);
    /* chat_template.jinja wins */
    char jpath[512];
    snprintf(jpath, sizeof jpath, "%s/chat_template.jinja", dir);
    write_file(jpath, "J");
    st = ffai_chat_template_find(dir, true, &src, NULL, NULL, &err);
    CHECK(st == FFAI_OK && src && !strcmp(src, "J"), "chat_template.jinja first");
    free(src);
    /* malformed tokenizer_config.json */
    write_file(path, "{not json");
    st = ffai_chat_template_find(dir, false, &src, &bos, NULL, &err);
    CHECK(st == FFAI_ERR_FORMAT && !src && !bos, "bad config: %d %s", st, err.msg);
    remove(jpath);
    remove(path);
    rmdir(dir);
    st = ffai_chat_template_find(tu_path("%s/no-such-model", tu_shared()), false, &src, NULL, NULL, &err);
    CHECK(st == FFAI_ERR_NOT_FOUND, "missing dir: %d %s", st, err.msg);
}

int main(void) {
    setenv("SOURCE_DATE_EPOCH", "1721952000", 1);
    run_table();
    syntax_errors();
    api_edges();
    find_templates();
    return tu_finish("test_jinja");
}
