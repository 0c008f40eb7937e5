/* test_toolcall.c — tool-call parsing (all formats), schema validation, the bench verdict prefixes
 * and the --tool-cases loader; reference calls come from the HF-rendered templates in shared/golden. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ffai/toolcall.h"
#include "testutil.h"

/* ---- parsing: hand-written model outputs ----------------------------------------------------- */

typedef struct {
    const char *what;
    const char *text;
    ffai_tc_parse_result want;
    const char *name; /* expected name and arguments when want == FFAI_TC_OK */
    const char *args;
    ffai_tc_format format;
} parse_case;

#define DATE_ARGS "{\"command\":\"date\"}"
#define H FFAI_TC_FORMAT_HERMES
#define L FFAI_TC_FORMAT_LLAMA_JSON
#define M FFAI_TC_FORMAT_MISTRAL

static const parse_case PARSE_CASES[] = {
    /* Hermes / Qwen */
    {"hermes", "<tool_call>\n{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}\n</tool_call>", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, H},
    {"hermes after thinking and prose",
     "<think>\nThe user wants the date. I could write <tool_call> here.\n</think>\n\nLet me check.\n<tool_call>\n"
     "  {\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}  \n</tool_call><|im_end|>",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, H},
    {"hermes, several calls: the first",
     "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n"
     "{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}\n</tool_call>",
     FFAI_TC_OK, "get_weather", "{\"city\":\"Paris\"}", H},
    {"hermes, stringified arguments",
     "<tool_call>{\"name\": \"execute_shell\", \"arguments\": \"{\\\"command\\\": \\\"date +%s\\\"}\"}</tool_call>", FFAI_TC_OK,
     "execute_shell", "{\"command\":\"date +%s\"}", H},
    {"hermes, unterminated tag", "<tool_call>\n{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}\n", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, H},
    {"hermes, key order kept", "<tool_call>{\"name\": \"f\", \"arguments\": {\"z\": 1, \"a\": [true, null], \"m\": {\"y\": 2, \"b\": 3}}}</tool_call>",
     FFAI_TC_OK, "f", "{\"z\":1,\"a\":[true,null],\"m\":{\"y\":2,\"b\":3}}", H},
    {"hermes, \"parameters\" key", "<tool_call>{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}</tool_call>",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, H},
    {"hermes, no arguments = {}", "<tool_call>{\"name\": \"get_time\"}</tool_call>", FFAI_TC_OK, "get_time", "{}", H},
    {"hermes, unicode", "<tool_call>{\"name\": \"say\", \"arguments\": {\"text\": \"caf\\u00e9 \xe2\x98\x95\"}}</tool_call>", FFAI_TC_OK,
     "say", "{\"text\":\"caf\xc3\xa9 \xe2\x98\x95\"}", H},
    {"hermes, cut mid-JSON", "<tool_call>\n{\"name\": \"execute_shell\", \"argu", FFAI_TC_BAD_JSON, NULL, NULL, H},
    {"hermes, empty", "<tool_call>\n</tool_call>", FFAI_TC_BAD_JSON, NULL, NULL, H},
    {"hermes, extra brace", "<tool_call>{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}}</tool_call>",
     FFAI_TC_BAD_JSON, NULL, NULL, H},
    {"hermes, placeholder", "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>",
     FFAI_TC_BAD_JSON, NULL, NULL, H},
    {"hermes, no name", "<tool_call>{\"arguments\": {\"command\": \"date\"}}</tool_call>", FFAI_TC_BAD_JSON, NULL, NULL, H},
    {"hermes, arguments string not JSON", "<tool_call>{\"name\": \"x\", \"arguments\": \"date\"}</tool_call>", FFAI_TC_BAD_JSON,
     NULL, NULL, H},
    {"hermes, arguments a list", "<tool_call>{\"name\": \"x\", \"arguments\": [\"date\"]}</tool_call>", FFAI_TC_BAD_JSON, NULL,
     NULL, H},
    {"hermes, invalid UTF-8", "<tool_call>{\"name\": \"x\", \"arguments\": {\"a\": \"\xff\xfe\"}}</tool_call>", FFAI_TC_BAD_JSON,
     NULL, NULL, H},
    /* Llama 3.x JSON */
    {"llama", "{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}", FFAI_TC_OK, "execute_shell", DATE_ARGS, L},
    {"llama, whitespace and eot", "\n\n  {\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}<|eot_id|>", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, L},
    {"llama, python_tag", "<|python_tag|>{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}<|eom_id|>", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, L},
    {"llama, type function", "{\"type\": \"function\", \"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, L},
    {"llama, \"arguments\" key", "{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}", FFAI_TC_OK, "execute_shell",
     DATE_ARGS, L},
    {"openai-style wrapper", "{\"type\": \"function\", \"function\": {\"name\": \"execute_shell\", \"arguments\": \"{\\\"command\\\":\\\"date\\\"}\"}}",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, L},
    {"llama, json fence", "```json\n{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}\n```", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, L},
    {"llama, cut off", "{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"da", FFAI_TC_BAD_JSON, NULL, NULL, L},
    {"llama, no name", "{\"command\": \"date\"}", FFAI_TC_BAD_JSON, NULL, NULL, L},
    {"llama, python_tag built-in syntax", "<|python_tag|>brave_search.call(query=\"date\")", FFAI_TC_BAD_JSON, NULL, NULL, L},
    /* Mistral */
    {"mistral list", "[TOOL_CALLS][{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}, \"id\": \"abc123def\"}]",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, M},
    {"mistral list, two calls", "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, {\"name\": \"b\"}]</s>",
     FFAI_TC_OK, "get_weather", "{\"city\":\"Paris\"}", M},
    {"mistral name[ARGS]", "[TOOL_CALLS]execute_shell[ARGS]{\"command\": \"date\"}</s>", FFAI_TC_OK, "execute_shell", DATE_ARGS, M},
    {"mistral name[CALL_ID][ARGS]", "[TOOL_CALLS]execute_shell[CALL_ID]abc123def[ARGS]{\"command\": \"date\"}", FFAI_TC_OK,
     "execute_shell", DATE_ARGS, M},
    {"mistral, tag stripped", "[{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}]", FFAI_TC_OK, "execute_shell",
     DATE_ARGS, M},
    {"mistral, earliest marker wins", "[TOOL_CALLS]execute_shell[ARGS]{\"command\": \"date\"} <tool_call>{\"name\": \"x\"}</tool_call>",
     FFAI_TC_OK, "execute_shell", DATE_ARGS, M},
    {"mistral, empty list", "[TOOL_CALLS][]", FFAI_TC_BAD_JSON, NULL, NULL, M},
    {"mistral, name without [ARGS]", "[TOOL_CALLS]execute_shell", FFAI_TC_BAD_JSON, NULL, NULL, M},
    {"mistral, cut off", "[TOOL_CALLS][{\"name\": \"execute_shell\", ", FFAI_TC_BAD_JSON, NULL, NULL, M},
    {"mistral, ARGS not an object", "[TOOL_CALLS]execute_shell[ARGS]\"date\"", FFAI_TC_BAD_JSON, NULL, NULL, M},
    /* no call */
    {"prose", "I can't access the system clock, but you can run `date` in a terminal.", FFAI_TC_NONE, NULL, NULL, H},
    {"empty", "", FFAI_TC_NONE, NULL, NULL, H},
    {"citation list", "[1] The date is printed by date(1).", FFAI_TC_NONE, NULL, NULL, H},
    {"tag only inside thinking", "<think>maybe <tool_call>{}</tool_call>?</think>\nIt is Friday.", FFAI_TC_NONE, NULL, NULL, H},
};

static void test_parse(void) {
    int mismatches = 0;
    for (size_t i = 0; i < sizeof PARSE_CASES / sizeof *PARSE_CASES; i++) {
        const parse_case *c = &PARSE_CASES[i];
        ffai_tool_call call;
        char detail[256];
        ffai_tc_parse_result r = ffai_tool_call_parse(c->text, &call, detail, sizeof detail);
        int ok = r == c->want;
        CHECK(r == c->want, "%s: result %d, want %d (%s)", c->what, r, c->want, detail);
        if (r == FFAI_TC_OK && c->want == FFAI_TC_OK) {
            CHECK(!strcmp(call.name, c->name), "%s: name '%s'", c->what, call.name);
            CHECK(!strcmp(call.arguments_json, c->args), "%s: arguments %s, want %s", c->what, call.arguments_json, c->args);
            CHECK(call.format == c->format, "%s: format %d, want %d", c->what, call.format, c->format);
            ok = ok && !strcmp(call.name, c->name) && !strcmp(call.arguments_json, c->args) && call.format == c->format;
        }
        if (r != FFAI_TC_OK) {
            CHECK(call.name == NULL && call.arguments_json == NULL, "%s: call not zeroed on failure", c->what);
            CHECK(detail[0] != '\0', "%s: no detail", c->what);
        }
        mismatches += !ok;
        ffai_tool_call_free(&call);
    }
    ffai_tool_call call;
    CHECK(ffai_tool_call_parse(NULL, &call, NULL, 0) == FFAI_TC_NONE, "NULL text");
    ffai_tool_call_free(NULL);
    printf("parse: %zu hand-written outputs, %d mismatches\n", sizeof PARSE_CASES / sizeof *PARSE_CASES, mismatches);
}

/* ---- parsing: the assistant turns HF templates render (shared/golden/templates) --------------- */

/* The assistant turn is the text between the user question + this family's assistant header and the
 * end-of-turn marker; it is exactly what the model is trained to emit for the call. */
typedef struct {
    const char *file;
    const char *header;
    const char *end;
} golden_turn;

static const golden_turn GOLDEN_TURNS[] = {
    {"Qwen-Qwen2.5-7B-Instruct", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"Qwen-Qwen3-0.6B", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"Qwen-QwQ-32B", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"ffai-tiny-qwen3", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>"},
    {"meta-llama-Llama-3.1-8B-Instruct", "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"},
    {"meta-llama-Llama-3.2-3B-Instruct", "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"},
    {"meta-llama-Llama-3.3-70B-Instruct", "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"},
    {"unsloth-mistral-Devstral-Small-2507", "[/INST]", "</s>"},
};

static void test_golden_templates(void) {
    static const char QUESTION[] = "What's the weather in Paris?";
    int parsed = 0, total = 0;
    for (size_t i = 0; i < sizeof GOLDEN_TURNS / sizeof *GOLDEN_TURNS; i++) {
        const golden_turn *g = &GOLDEN_TURNS[i];
        const char *path = tu_path("%s/golden/templates/%s.json", tu_shared(), g->file);
        json_error_t je;
        json_t *root = json_load_file(path, 0, &je);
        CHECK(root != NULL, "%s: %s", path, je.text);
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(root, "cases"), k, c) {
            const char *name = json_string_value(json_object_get(c, "name"));
            const char *ok = json_string_value(json_object_get(c, "ok"));
            if (!name || strncmp(name, "tool_roundtrip", 14) || !ok) continue;
            total++;
            const char *q = strstr(ok, QUESTION);
            const char *start = q ? strstr(q, g->header) : NULL;
            const char *end = start ? strstr(start + strlen(g->header), g->end) : NULL;
            CHECK(start && end, "%s/%s: assistant turn not found", g->file, name);
            if (!start || !end) continue;
            start += strlen(g->header);
            char *turn = strndup(start, (size_t)(end - start));
            char *tools = json_dumps(json_object_get(c, "tools"), JSON_COMPACT | JSON_PRESERVE_ORDER);
            ffai_tool_call call;
            char detail[256], reason[256], prefix[256];
            ffai_tc_parse_result r = ffai_tool_call_parse(turn, &call, detail, sizeof detail);
            CHECK(r == FFAI_TC_OK, "%s/%s: %s (turn %s)", g->file, name, detail, turn);
            if (r == FFAI_TC_OK) {
                int good = !strcmp(call.name, "get_weather") && !strcmp(call.arguments_json, "{\"city\":\"Paris\"}");
                CHECK(good, "%s/%s: got %s %s", g->file, name, call.name, call.arguments_json);
                CHECK(ffai_tool_call_validate(&call, tools, reason, sizeof reason) == FFAI_TC_VALID, "%s: %s", g->file, reason);
                parsed += good;
            }
            ffai_tc_expect exp = {"get_weather", "city", "Paris"};
            CHECK(ffai_tool_call_judge(turn, tools, &exp, prefix, sizeof prefix) == 1, "%s: %s", g->file, prefix);
            CHECK(!strcmp(prefix, "PASS: "), "%s: prefix '%s'", g->file, prefix);
            ffai_tool_call_free(&call);
            free(tools);
            free(turn);
        }
        json_decref(root);
    }
    CHECK(total >= 10, "only %d golden tool_roundtrip turns", total);
    printf("golden template turns: %d/%d parsed to get_weather {\"city\":\"Paris\"}\n", parsed, total);
}

/* ---- the default case against golden case "tool" of ffai-tiny-qwen3 -------------------------- */

/* Byte-level BPE decode of ids with the model's tokenizer.json (GPT-2 byte<->unicode map); added
 * tokens are literal. Returns malloc'd text or NULL. */
static char *decode_ids(const json_t *tok, const json_t *ids) {
    int byte_of[512];
    for (int i = 0; i < 512; i++) byte_of[i] = -1;
    for (int b = 0, extra = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        byte_of[printable ? b : 256 + extra++] = b;
    }
    const json_t *vocab = json_object_get(json_object_get(tok, "model"), "vocab");
    size_t nv = json_object_size(vocab) + 1024;
    const char **by_id = calloc(nv, sizeof *by_id);
    char *special = calloc(nv, 1);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)vocab, key, v) {
        json_int_t id = json_integer_value(v);
        if (id >= 0 && (size_t)id < nv) by_id[id] = key;
    }
    size_t i;
    json_array_foreach(json_object_get(tok, "added_tokens"), i, v) {
        json_int_t id = json_integer_value(json_object_get(v, "id"));
        if (id >= 0 && (size_t)id < nv) {
            by_id[id] = json_string_value(json_object_get(v, "content"));
            special[id] = 1;
        }
    }
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    json_array_foreach(ids, i, v) {
        json_int_t id = json_integer_value(v);
        const char *t = id >= 0 && (size_t)id < nv ? by_id[id] : NULL;
        if (!t || len + strlen(t) + 1 > cap) {
            free(out);
            out = NULL;
            break;
        }
        if (special[id]) {
            memcpy(out + len, t, strlen(t));
            len += strlen(t);
            continue;
        }
        for (const unsigned char *p = (const unsigned char *)t; *p;) { /* UTF-8 code point -> byte */
            int cp = *p < 0x80 ? *p++ : ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            if (cp >= 0x80) p += 2;
            out[len++] = cp < 512 && byte_of[cp] >= 0 ? (char)byte_of[cp] : '?';
        }
    }
    if (out) out[len] = '\0';
    free(by_id);
    free(special);
    return out;
}

static void test_default_case(void) {
    ffai_tool_case *cases = NULL;
    int n = 0;
    ffai_error err;
    CHECK(ffai_tool_cases_default(&cases, &n, &err) == FFAI_OK, "default: %s", err.msg);
    if (n != 1) return;
    const ffai_tool_case *c = &cases[0];
    CHECK(!strcmp(c->messages_json, "[{\"role\":\"user\",\"content\":\"What is the current date and time?\"}]"), "%s", c->messages_json);
    CHECK(c->expect.tool && !strcmp(c->expect.tool, "execute_shell"), "expect.tool");
    CHECK(c->expect.arg && !strcmp(c->expect.arg, "command"), "expect.arg");
    CHECK(c->expect.must_contain && !strcmp(c->expect.must_contain, "date"), "expect.contains");

    /* The golden prompt (HF apply_chat_template with the case the model was trained on) must hold
     * our tool exactly as the Qwen3 template prints it (tojson = json.dumps separators). */
    json_error_t je;
    json_t *gold = json_load_file(tu_path("%s/golden/cases/ffai-tiny-qwen3/tool.json", tu_shared()), 0, &je);
    json_t *tok = json_load_file(tu_path("%s/models/ffai-tiny-qwen3/tokenizer.json", tu_shared()), 0, &je);
    json_t *tools = json_loads(c->tools_json, 0, &je);
    CHECK(gold && tok && tools, "golden tool case: %s", je.text);
    if (gold && tok && tools) {
        char *prompt = decode_ids(tok, json_object_get(gold, "input_ids"));
        char *spec = json_dumps(json_array_get(tools, 0), JSON_PRESERVE_ORDER); /* ", " and ": " */
        CHECK(prompt != NULL, "decode golden input_ids");
        if (prompt) {
            CHECK(strstr(prompt, tu_path("<tools>\n%s\n</tools>", spec)) != NULL, "tool spec not in golden prompt:\n%s\n%s", spec, prompt);
            CHECK(strstr(prompt, "<|im_start|>user\nWhat is the current date and time?<|im_end|>") != NULL, "user turn");
        }
        const char *greedy = json_string_value(json_object_get(gold, "greedy_text"));
        char prefix[256];
        CHECK(greedy && ffai_tool_call_judge(greedy, c->tools_json, &c->expect, prefix, sizeof prefix) == 1, "greedy: %s", prefix);
        CHECK(!strcmp(prefix, "PASS: "), "golden greedy output judged '%s'", prefix);
        printf("default case: golden greedy output of ffai-tiny-qwen3 judged '%s'\n", prefix);
        free(spec);
        free(prompt);
    }
    json_decref(gold);
    json_decref(tok);
    json_decref(tools);
    ffai_tool_cases_free(cases, n);
}

/* ---- validation -------------------------------------------------------------------------------- */

static const char SHELL_TOOL[] =
    "[{\"type\": \"function\", \"function\": {\"name\": \"execute_shell\", \"description\": \"Run a command\", \"parameters\": "
    "{\"type\": \"object\", \"properties\": {\"command\": {\"type\": \"string\"}}, \"required\": [\"command\"]}}}]";

static const char TOOLS[] =
    "[{\"type\": \"function\", \"function\": {\"name\": \"execute_shell\", \"parameters\": {\"type\": \"object\","
    "  \"properties\": {\"command\": {\"type\": \"string\"}, \"timeout\": {\"type\": \"integer\"}}, \"required\": [\"command\"]}}},"
    " {\"type\": \"function\", \"function\": {\"name\": \"book\", \"description\": \"Book a trip\", \"parameters\": {\"type\": \"object\","
    "  \"properties\": {"
    "   \"count\": {\"type\": \"integer\"}, \"price\": {\"type\": \"number\"},"
    "   \"unit\": {\"type\": \"string\", \"enum\": [\"c\", \"f\"]}, \"note\": {\"type\": [\"string\", \"null\"]},"
    "   \"flags\": {\"type\": \"array\", \"items\": {\"type\": \"boolean\"}},"
    "   \"where\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"},"
    "      \"geo\": {\"type\": \"object\", \"properties\": {\"lat\": {\"type\": \"number\"}}, \"required\": [\"lat\"]}},"
    "     \"required\": [\"city\"], \"additionalProperties\": false},"
    "   \"legs\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"to\": {\"type\": \"string\"}}, \"required\": [\"to\"]}},"
    "   \"either\": {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]},"
    "   \"one\": {\"oneOf\": [{\"type\": \"number\"}, {\"type\": \"integer\"}]},"
    "   \"kind\": {\"const\": \"trip\"}, \"anything\": {}"
    "  }, \"required\": [\"count\"]}}}]";

typedef struct {
    const char *tools; /* NULL = TOOLS */
    const char *name;
    const char *args;
    ffai_tc_verdict want;
    const char *reason; /* exact, NULL = don't care */
} validate_case;

static const validate_case VALIDATE_CASES[] = {
    {NULL, "execute_shell", "{\"command\":\"date\"}", FFAI_TC_VALID, ""},
    {NULL, "execute_shell", "{\"command\":\"date\",\"extra\":1}", FFAI_TC_VALID, ""},
    {NULL, "execute_shell", "{}", FFAI_TC_SCHEMA, "missing required argument 'command'"},
    {NULL, "execute_shell", "{\"command\":5}", FFAI_TC_SCHEMA, "argument 'command' should be string"},
    {NULL, "execute_shell", "{\"command\":\"date\",\"timeout\":\"5\"}", FFAI_TC_SCHEMA, "argument 'timeout' should be integer"},
    {NULL, "ls", "{}", FFAI_TC_WRONG_TOOL, "'ls' is not one of the tools (execute_shell, book)"},
    {NULL, "book", "{\"count\":3}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":3.0}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":2.5}", FFAI_TC_SCHEMA, "argument 'count' should be integer"},
    {NULL, "book", "{\"count\":true}", FFAI_TC_SCHEMA, "argument 'count' should be integer"},
    {NULL, "book", "{\"count\":1,\"price\":2}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"price\":\"2\"}", FFAI_TC_SCHEMA, "argument 'price' should be number"},
    {NULL, "book", "{\"count\":1,\"unit\":\"k\"}", FFAI_TC_SCHEMA, "argument 'unit' should be one of [\"c\",\"f\"]"},
    {NULL, "book", "{\"count\":1,\"unit\":\"f\"}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"note\":null}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"note\":3}", FFAI_TC_SCHEMA, "argument 'note' should be string or null"},
    {NULL, "book", "{\"count\":1,\"flags\":[true,false]}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"flags\":[true,1]}", FFAI_TC_SCHEMA, "argument 'flags[1]' should be boolean"},
    {NULL, "book", "{\"count\":1,\"flags\":true}", FFAI_TC_SCHEMA, "argument 'flags' should be array"},
    {NULL, "book", "{\"count\":1,\"where\":{}}", FFAI_TC_SCHEMA, "missing required argument 'where.city'"},
    {NULL, "book", "{\"count\":1,\"where\":\"Paris\"}", FFAI_TC_SCHEMA, "argument 'where' should be object"},
    {NULL, "book", "{\"count\":1,\"where\":{\"city\":\"P\",\"zip\":1}}", FFAI_TC_SCHEMA, "unexpected argument 'where.zip'"},
    {NULL, "book", "{\"count\":1,\"where\":{\"city\":\"P\",\"geo\":{}}}", FFAI_TC_SCHEMA, "missing required argument 'where.geo.lat'"},
    {NULL, "book", "{\"count\":1,\"where\":{\"city\":\"P\",\"geo\":{\"lat\":\"x\"}}}", FFAI_TC_SCHEMA,
     "argument 'where.geo.lat' should be number"},
    {NULL, "book", "{\"count\":1,\"where\":{\"city\":\"P\",\"geo\":{\"lat\":48.85}}}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"legs\":[{\"to\":\"A\"},{\"from\":\"A\"}]}", FFAI_TC_SCHEMA, "missing required argument 'legs[1].to'"},
    {NULL, "book", "{\"count\":1,\"either\":\"x\"}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"either\":true}", FFAI_TC_SCHEMA, "argument 'either' matches none of the anyOf alternatives"},
    {NULL, "book", "{\"count\":1,\"one\":2.5}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"one\":2}", FFAI_TC_SCHEMA, "argument 'one' matches 2 of the oneOf alternatives (exactly one allowed)"},
    {NULL, "book", "{\"count\":1,\"kind\":\"trip\",\"anything\":[1,{\"a\":null}]}", FFAI_TC_VALID, ""},
    {NULL, "book", "{\"count\":1,\"kind\":\"walk\"}", FFAI_TC_SCHEMA, "argument 'kind' should be \"trip\""},
    /* the tool list itself */
    {"not json", "x", "{}", FFAI_TC_BAD_TOOLS, NULL},
    {"{}", "x", "{}", FFAI_TC_BAD_TOOLS, "tools: expected a JSON list"},
    {"[]", "x", "{}", FFAI_TC_BAD_TOOLS, "tools: the list is empty"},
    {"[{\"type\": \"function\", \"function\": {\"description\": \"d\"}}]", "x", "{}", FFAI_TC_BAD_TOOLS,
     "tools[0].function: missing \"name\""},
    {"[{\"type\": \"function\", \"function\": {\"name\": \"x\", \"parameters\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"int\"}}}}}]",
     "x", "{}", FFAI_TC_BAD_TOOLS, "tools[0].function.parameters: properties.n.type: unknown type 'int'"},
    {"[{\"type\": \"function\", \"function\": {\"name\": \"x\", \"parameters\": {\"required\": \"n\"}}}]", "x", "{}", FFAI_TC_BAD_TOOLS,
     "tools[0].function.parameters: required: should be a list of strings"},
    {"[{\"type\": \"function\", \"function\": {\"name\": \"x\"}}, {\"type\": \"function\", \"function\": {\"name\": \"x\"}}]", "x", "{}",
     FFAI_TC_BAD_TOOLS, "tools[1].function: duplicate tool name 'x'"},
    /* a bare entry and a tool without parameters */
    {"[{\"name\": \"x\", \"parameters\": {\"type\": \"object\", \"required\": [\"a\"]}}]", "x", "{}", FFAI_TC_SCHEMA,
     "missing required argument 'a'"},
    {"[{\"type\": \"function\", \"function\": {\"name\": \"x\"}}]", "x", "{\"any\":1}", FFAI_TC_VALID, ""},
    {"[{\"type\": \"function\", \"name\": \"x\", \"parameters\": {\"required\": [\"a\"]}}]", "x", "{\"a\":1}", FFAI_TC_VALID, ""},
    {"[{\"type\": \"tool\", \"name\": \"x\"}]", "x", "{}", FFAI_TC_BAD_TOOLS, "tools[0]: \"type\" should be \"function\""},
    {"[{\"function\": \"x\"}]", "x", "{}", FFAI_TC_BAD_TOOLS, "tools[0]: missing \"function\" object"},
};

static void test_validate(void) {
    int mismatches = 0;
    for (size_t i = 0; i < sizeof VALIDATE_CASES / sizeof *VALIDATE_CASES; i++) {
        const validate_case *c = &VALIDATE_CASES[i];
        ffai_tool_call call = {(char *)c->name, (char *)c->args, FFAI_TC_FORMAT_HERMES};
        char reason[256];
        ffai_tc_verdict v = ffai_tool_call_validate(&call, c->tools ? c->tools : TOOLS, reason, sizeof reason);
        int ok = v == c->want && (!c->reason || !strcmp(reason, c->reason));
        CHECK(ok, "validate %s %s: verdict %d '%s', want %d '%s'", c->name, c->args, v, reason, c->want, c->reason ? c->reason : "*");
        mismatches += !ok;
    }
    CHECK(ffai_tool_call_validate(NULL, TOOLS, NULL, 0) == FFAI_TC_WRONG_TOOL, "NULL call");
    printf("validate: %zu cases, %d mismatches\n", sizeof VALIDATE_CASES / sizeof *VALIDATE_CASES, mismatches);
}

/* ---- the bench verdict ------------------------------------------------------------------------ */

typedef struct {
    const char *output;
    const char *prefix;
} judge_case;

#define SHELL(args) "<tool_call>\n{\"name\": \"execute_shell\", \"arguments\": " args "}\n</tool_call>"

static const judge_case JUDGE_CASES[] = {
    {"I cannot run commands.", "FAIL(no tool call): "},
    {"<tool_call>\n{\"name\": \"execute_shell\", \"arguments\": {\"command\": }}\n</tool_call>", "FAIL(bad json): "},
    {"<tool_call>\n{\"name\": \"run_cmd\", \"arguments\": {}}\n</tool_call>", "FAIL(wrong tool: run_cmd): "},
    {SHELL("{}"), "FAIL(schema: missing required argument 'command'): "},
    {SHELL("{\"command\": 42}"), "FAIL(schema: argument 'command' should be string): "},
    {SHELL("{\"command\": \"ls -la\"}"), "FAIL(wrong command: ls -la): "},
    {SHELL("{\"command\": \"echo hi\\nuname -a | tr a-z A-Z | head -c 100 | xxd | sort | uniq -c | tail\"}"),
     "FAIL(wrong command: echo hi uname -a | tr a-z A-Z | head -c 100 | xxd | sort | u...): "},
    {SHELL("{\"command\": \"date\"}"), "PASS: "},
    {SHELL("{\"command\": \"date +%Y-%m-%dT%H:%M:%S\"}"), "PASS: "},
    {"{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date\"}}", "PASS: "},
    {"<|python_tag|>{\"name\": \"execute_shell\", \"parameters\": {\"command\": \"date -u\"}}", "PASS: "},
    {"[TOOL_CALLS][{\"name\": \"execute_shell\", \"arguments\": {\"command\": \"date\"}}]", "PASS: "},
    {"[TOOL_CALLS]execute_shell[ARGS]{\"command\": \"date\"}", "PASS: "},
    {"[TOOL_CALLS]execute_shell[ARGS]{\"command\": \"DATE\"}", "FAIL(wrong command: DATE): "},
};

static void test_judge(void) {
    ffai_tc_expect exp = {"execute_shell", "command", "date"};
    int mismatches = 0;
    for (size_t i = 0; i < sizeof JUDGE_CASES / sizeof *JUDGE_CASES; i++) {
        char prefix[256];
        int pass = ffai_tool_call_judge(JUDGE_CASES[i].output, SHELL_TOOL, &exp, prefix, sizeof prefix);
        int ok = !strcmp(prefix, JUDGE_CASES[i].prefix) && pass == !strcmp(JUDGE_CASES[i].prefix, "PASS: ");
        CHECK(ok, "judge %s: '%s' (%d), want '%s'", JUDGE_CASES[i].output, prefix, pass, JUDGE_CASES[i].prefix);
        mismatches += !ok;
    }
    printf("judge: %zu outputs, %d mismatches\n", sizeof JUDGE_CASES / sizeof *JUDGE_CASES, mismatches);

    char prefix[256];
    /* a valid call of another tool than the expected one */
    const char *book = "<tool_call>{\"name\": \"book\", \"arguments\": {\"count\": 1}}</tool_call>";
    CHECK(ffai_tool_call_judge(book, TOOLS, &exp, prefix, sizeof prefix) == 0 && !strcmp(prefix, "FAIL(wrong tool: book): "), "%s", prefix);
    /* no expectations: any valid call passes; schema still checked */
    CHECK(ffai_tool_call_judge(book, TOOLS, NULL, prefix, sizeof prefix) == 1 && !strcmp(prefix, "PASS: "), "%s", prefix);
    CHECK(ffai_tool_call_judge("<tool_call>{\"name\": \"book\", \"arguments\": {}}</tool_call>", TOOLS, NULL, prefix, sizeof prefix) == 0 &&
              !strcmp(prefix, "FAIL(schema: missing required argument 'count'): "),
          "%s", prefix);
    /* the checked argument absent (optional) or not a string */
    ffai_tc_expect timeout = {"execute_shell", "timeout", "30"};
    CHECK(ffai_tool_call_judge(SHELL("{\"command\": \"date\"}"), TOOLS, &timeout, prefix, sizeof prefix) == 0 &&
              !strcmp(prefix, "FAIL(wrong timeout: (missing)): "),
          "%s", prefix);
    CHECK(ffai_tool_call_judge(SHELL("{\"command\": \"date\", \"timeout\": 30}"), TOOLS, &timeout, prefix, sizeof prefix) == 1, "%s", prefix);
    /* a broken tool list is reported, not a crash */
    CHECK(ffai_tool_call_judge(book, "[{\"type\": \"function\"}]", NULL, prefix, sizeof prefix) == 0 &&
              !strcmp(prefix, "FAIL(bad tools: tools[0]: missing \"name\"): "),
          "%s", prefix);
    /* a tiny prefix buffer is cut, still terminated */
    char small[8];
    memset(small, 'x', sizeof small);
    ffai_tool_call_judge("nothing", SHELL_TOOL, &exp, small, sizeof small);
    CHECK(small[7] == '\0' && !strcmp(small, "FAIL(no"), "small buffer '%.8s'", small);
    /* a long multi-byte name is cut on a UTF-8 boundary */
    const char *long_name = "<tool_call>{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\"}</tool_call>";
    ffai_tool_call_judge(long_name, SHELL_TOOL, &exp, prefix, sizeof prefix);
    CHECK(strstr(prefix, "FAIL(wrong tool: \xc3\xa9") == prefix && strstr(prefix, "\xc3\xa9...): ") != NULL, "'%s'", prefix);
}

/* ---- the --tool-cases loader ----------------------------------------------------------------- */

static const char *write_cases(const char *dir, const char *name, const char *text) {
    const char *path = tu_path("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

#define TOOL_JSON                                                                                                 \
    "{\"type\": \"function\", \"function\": {\"name\": \"execute_shell\", \"description\": \"Run\", \"parameters\": " \
    "{\"type\": \"object\", \"properties\": {\"command\": {\"type\": \"string\"}}, \"required\": [\"command\"]}}}"
#define MSGS "[{\"role\": \"user\", \"content\": \"hi\"}]"

typedef struct {
    const char *text;
    ffai_status want;
    const char *msg; /* expected after "<path>" */
} bad_file;

static const bad_file BAD_FILES[] = {
    {"[{\"name\": \"a\",", FFAI_ERR_FORMAT, ":1:14: invalid JSON: "},
    {"{\"name\": \"a\"}", FFAI_ERR_FORMAT, ": expected a JSON list of cases"},
    {"[]", FFAI_ERR_FORMAT, ": the list of cases is empty"},
    {"[42]", FFAI_ERR_FORMAT, ": cases[0]: expected an object"},
    {"[{\"tools\": [" TOOL_JSON "]}]", FFAI_ERR_FORMAT, ": cases[0]: missing \"messages\""},
    {"[{\"messages\": [], \"tools\": [" TOOL_JSON "]}]", FFAI_ERR_FORMAT, ": cases[0]: \"messages\" should be a non-empty list"},
    {"[{\"messages\": [{\"content\": \"hi\"}], \"tools\": [" TOOL_JSON "]}]", FFAI_ERR_FORMAT, ": cases[0]: messages[0]: missing \"role\" string"},
    {"[{\"messages\": [{\"role\": \"user\", \"content\": 5}], \"tools\": [" TOOL_JSON "]}]", FFAI_ERR_FORMAT,
     ": cases[0]: messages[0]: \"content\" should be a string, a list or null"},
    {"[{\"messages\": " MSGS "}]", FFAI_ERR_FORMAT, ": cases[0]: missing \"tools\""},
    {"[{\"messages\": " MSGS ", \"tools\": [{\"type\": \"function\", \"function\": {\"description\": \"d\"}}]}]", FFAI_ERR_FORMAT,
     ": cases[0]: tools[0].function: missing \"name\""},
    {"[{\"messages\": " MSGS ", \"tools\": [{\"name\": \"x\"}]}]", FFAI_ERR_FORMAT, ": cases[0]: tools[0]: \"type\" should be \"function\""},
    {"[{\"messages\": " MSGS ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"x\", \"parameters\": "
     "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"int\"}}}}}]}]",
     FFAI_ERR_FORMAT, ": cases[0]: tools[0].function.parameters: properties.n.type: unknown type 'int'"},
    {"[{\"name\": \"ok\", \"messages\": " MSGS ", \"tools\": [" TOOL_JSON "]}, {\"name\": \"second\", \"messages\": " MSGS
     ", \"tools\": [" TOOL_JSON "], \"expect\": {\"tool\": \"ls\"}}]",
     FFAI_ERR_FORMAT, ": cases[1] (\"second\"): expect: tool 'ls' is not one of the case's tools (execute_shell)"},
    {"[{\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "], \"expect\": {\"arg\": \"command\"}}]", FFAI_ERR_FORMAT,
     ": cases[0]: expect: \"arg\" and \"contains\" go together"},
    {"[{\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "], \"expect\": {\"tool\": \"execute_shell\", \"arg\": \"cmd\", \"contains\": \"d\"}}]",
     FFAI_ERR_FORMAT, ": cases[0]: expect: 'cmd' is not a parameter of tool 'execute_shell'"},
    {"[{\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "], \"expect\": {\"tool\": 5}}]", FFAI_ERR_FORMAT,
     ": cases[0]: expect: \"tool\" should be a non-empty string"},
    {"[{\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "], \"expect\": {\"contain\": \"d\"}}]", FFAI_ERR_FORMAT,
     ": cases[0]: expect: unknown key 'contain' (expected tool, arg, contains)"},
    {"[{\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "], \"expected\": {}}]", FFAI_ERR_FORMAT,
     ": cases[0]: unknown key 'expected' (expected name, messages, tools, expect)"},
    {"[{\"name\": \"\", \"messages\": " MSGS ", \"tools\": [" TOOL_JSON "]}]", FFAI_ERR_FORMAT, ": cases[0]: \"name\" should be a non-empty string"},
    {"[{\"name\": \"caf\xff\"}]", FFAI_ERR_FORMAT, ":1:"},
};

static void test_cases_loader(void) {
    const char *dir = tu_tmpdir();
    CHECK(dir != NULL, "tmpdir");
    if (!dir) return;
    ffai_tool_case *cases = NULL;
    int n = -1;
    ffai_error err;
    const char *good = write_cases(dir, "good.json",
                                   "[\n {\"name\": \"date\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                   " {\"role\": \"user\", \"content\": \"Time?\"}],\n  \"tools\": [" TOOL_JSON "],\n"
                                   "  \"expect\": {\"tool\": \"execute_shell\", \"arg\": \"command\", \"contains\": \"date\"}},\n"
                                   " {\"messages\": " MSGS ", \"tools\": [" TOOL_JSON "]}\n]\n");
    CHECK(ffai_tool_cases_load(good, &cases, &n, &err) == FFAI_OK, "%s", err.msg);
    CHECK(n == 2, "n = %d", n);
    if (n == 2) {
        CHECK(!strcmp(cases[0].name, "date"), "%s", cases[0].name);
        CHECK(!strcmp(cases[0].messages_json, "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Time?\"}]"), "%s",
              cases[0].messages_json);
        CHECK(!strcmp(cases[0].tools_json,
                      "[{\"type\":\"function\",\"function\":{\"name\":\"execute_shell\",\"description\":\"Run\",\"parameters\":"
                      "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}}]"),
              "%s", cases[0].tools_json);
        CHECK(cases[0].expect.tool && !strcmp(cases[0].expect.tool, "execute_shell") && !strcmp(cases[0].expect.arg, "command") &&
                  !strcmp(cases[0].expect.must_contain, "date"),
              "expect");
        CHECK(!strcmp(cases[1].name, "case 2"), "%s", cases[1].name);
        CHECK(!cases[1].expect.tool && !cases[1].expect.arg && !cases[1].expect.must_contain, "no expect");
        char prefix[256];
        CHECK(ffai_tool_call_judge(SHELL("{\"command\": \"ls\"}"), cases[0].tools_json, &cases[0].expect, prefix, sizeof prefix) == 0 &&
                  !strcmp(prefix, "FAIL(wrong command: ls): "),
              "%s", prefix);
    }
    ffai_tool_cases_free(cases, n);
    ffai_tool_cases_free(NULL, 0);

    int mismatches = 0;
    for (size_t i = 0; i < sizeof BAD_FILES / sizeof *BAD_FILES; i++) {
        const char *path = write_cases(dir, "bad.json", BAD_FILES[i].text);
        char want[1024];
        snprintf(want, sizeof want, "%s%s", path, BAD_FILES[i].msg);
        ffai_status st = ffai_tool_cases_load(path, &cases, &n, &err);
        int ok = st == BAD_FILES[i].want && !strncmp(err.msg, want, strlen(want)) && cases == NULL && n == 0;
        CHECK(ok, "bad file %zu: status %d '%s', want '%s...'", i, st, err.msg, want);
        mismatches += !ok;
        ffai_tool_cases_free(cases, n);
    }
    CHECK(ffai_tool_cases_load(tu_path("%s/missing.json", dir), &cases, &n, &err) == FFAI_ERR_NOT_FOUND, "missing file: %s", err.msg);
    CHECK(ffai_tool_cases_load(dir, &cases, &n, &err) != FFAI_OK, "a directory");
    printf("tool cases: %zu malformed files, %d with the wrong error\n", sizeof BAD_FILES / sizeof *BAD_FILES, mismatches);
    remove(tu_path("%s/good.json", dir));
    remove(tu_path("%s/bad.json", dir));
    remove(dir);
}

/* Every prefix of every output (generation can stop anywhere) parses or fails cleanly; deep nesting too. */
static void test_robustness(void) {
    size_t tried = 0;
    ffai_tc_expect exp = {"execute_shell", "command", "date"};
    for (size_t i = 0; i < sizeof PARSE_CASES / sizeof *PARSE_CASES; i++) {
        const char *text = PARSE_CASES[i].text;
        for (size_t cut = 0; cut <= strlen(text); cut++, tried++) {
            char *t = strndup(text, cut), prefix[256];
            ffai_tool_call call;
            ffai_tc_parse_result r = ffai_tool_call_parse(t, &call, NULL, 0);
            CHECK(r == FFAI_TC_OK || (call.name == NULL && call.arguments_json == NULL), "prefix %zu of %s", cut, PARSE_CASES[i].what);
            ffai_tool_call_free(&call);
            int pass = ffai_tool_call_judge(t, SHELL_TOOL, &exp, prefix, sizeof prefix);
            CHECK(!strncmp(prefix, pass ? "PASS: " : "FAIL(", pass ? 6 : 5), "prefix %zu of %s: '%s'", cut, PARSE_CASES[i].what, prefix);
            free(t);
        }
    }
    enum { DEPTH = 1500 };
    char *deep = malloc(DEPTH * 2 + 128), *p = deep;
    p += sprintf(p, "<tool_call>{\"name\": \"book\", \"arguments\": {\"count\": 1, \"anything\": ");
    for (int i = 0; i < DEPTH; i++) *p++ = '[';
    for (int i = 0; i < DEPTH; i++) *p++ = ']';
    strcpy(p, "}}</tool_call>");
    char prefix[256];
    CHECK(ffai_tool_call_judge(deep, TOOLS, NULL, prefix, sizeof prefix) == 1, "deep nesting: %s", prefix);
    free(deep);
    printf("robustness: %zu truncated outputs parsed without a crash\n", tried);
}

int main(void) {
    test_parse();
    test_robustness();
    test_golden_templates();
    test_default_case();
    test_validate();
    test_judge();
    test_cases_loader();
    return tu_finish("test_toolcall");
}
