/* ffai/toolcall.h — public API: finding a tool call in model output, checking it against the tool
 * list, the `tool-calling` bench verdict (BENCH.md §4.6) and the --tool-cases file format. */
#ifndef FFAI_TOOLCALL_H
#define FFAI_TOOLCALL_H

#include <stddef.h>

#include "ffai/status.h"

/* ---- parsing -------------------------------------------------------------------------------- */

/* The output format a call was found in. */
typedef enum {
    FFAI_TC_FORMAT_HERMES,     /* <tool_call>{"name":…, "arguments":…}</tool_call> (Hermes, Qwen) */
    FFAI_TC_FORMAT_LLAMA_JSON, /* the reply is {"name":…, "parameters":…} (Llama 3.x, opt. <|python_tag|>) */
    FFAI_TC_FORMAT_MISTRAL,    /* [TOOL_CALLS][{…}] or [TOOL_CALLS]name[ARGS]{…} */
} ffai_tc_format;

/* One tool call. Both strings are malloc'd and owned by the struct (ffai_tool_call_free). */
typedef struct {
    char *name;           /* the function name */
    char *arguments_json; /* compact JSON object text, keys in the model's order, e.g. {"command":"date"} */
    ffai_tc_format format;
} ffai_tool_call;

typedef enum {
    FFAI_TC_OK,       /* *call is filled */
    FFAI_TC_NONE,     /* no tool call in the text */
    FFAI_TC_BAD_JSON, /* a tool call was started but its JSON is malformed or not a call */
} ffai_tc_parse_result;

/* Finds the first tool call in a model's generated text (special tokens kept or stripped), trying
 * every format: the earliest of `<tool_call>`, `[TOOL_CALLS]`, `<|python_tag|>` decides; without a
 * marker, a reply that is a JSON object {"name", "parameters"|"arguments"} (optionally wrapped as
 * {"type":"function", …} or {"function":{…}}, or in a ```json fence) or a JSON list of such objects
 * (Mistral with [TOOL_CALLS] stripped) is the call. Text up to a `</think>` is skipped. "arguments"
 * may be an object or a string holding a JSON object; a missing one means {}. An unterminated
 * <tool_call> (generation cut off) is parsed up to the end of its JSON.
 * On FFAI_TC_OK *call is filled (caller frees with ffai_tool_call_free); otherwise *call is zeroed.
 * detail (optional, detail_len bytes) gets a one-line explanation for NONE/BAD_JSON. */
ffai_tc_parse_result ffai_tool_call_parse(const char *text, ffai_tool_call *call, char *detail, size_t detail_len);

/* Frees the strings of *call and zeroes it. Accepts NULL. */
void ffai_tool_call_free(ffai_tool_call *call);

/* ---- validation ----------------------------------------------------------------------------- */

typedef enum {
    FFAI_TC_VALID,      /* the name is a tool and the arguments satisfy its "parameters" schema */
    FFAI_TC_WRONG_TOOL, /* the name is not one of the tools */
    FFAI_TC_SCHEMA,     /* the arguments violate the schema */
    FFAI_TC_BAD_TOOLS,  /* tools_json itself is malformed (not a list, a tool without a name, …) */
} ffai_tc_verdict;

/* Checks call against tools_json, the HF `tools` list: [{"type":"function","function":{"name",
 * "description", "parameters": JSON schema}}, …] (a flat {"name","parameters"} entry is accepted too).
 * The schema subset checked: type (string|integer|number|boolean|object|array|null, or a list of
 * them; 3.0 counts as integer), enum, const, properties, required, additionalProperties, items,
 * anyOf/oneOf/allOf, recursively; other keywords are ignored. reason (optional) gets e.g.
 * "missing required argument 'command'", "argument 'count' should be integer",
 * "argument 'location.unit' should be one of [\"c\",\"f\"]", "'ls' is not one of the tools". */
ffai_tc_verdict ffai_tool_call_validate(const ffai_tool_call *call, const char *tools_json, char *reason, size_t reason_len);

/* ---- the bench verdict ---------------------------------------------------------------------- */

/* What a case expects. Every field may be NULL: tool = any valid tool; arg/must_contain = no
 * argument check (both must be set for the check: the argument's value, as a string or else as
 * compact JSON, must contain must_contain, case-sensitively). */
typedef struct {
    const char *tool;
    const char *arg;
    const char *must_contain;
} ffai_tc_expect;

/* Judges one generated output, writing the output-preview prefix into prefix (prefix_len bytes),
 * in BENCH.md §4.6 order: "FAIL(no tool call): ", "FAIL(bad json): ", "FAIL(wrong tool: NAME): "
 * (not a tool, or not expect->tool), "FAIL(bad tools: REASON): " (tools_json malformed),
 * "FAIL(schema: REASON): ", "FAIL(wrong ARG: VALUE): " (e.g. "FAIL(wrong command: ls): ";
 * VALUE "(missing)" when absent), else "PASS: ". Names and values are cut to one line of at most
 * 60 bytes and reasons to 120, so 256 bytes of prefix always suffice. expect may be NULL.
 * Returns 1 for PASS, 0 for FAIL. */
int ffai_tool_call_judge(const char *output_text, const char *tools_json, const ffai_tc_expect *expect, char *prefix,
                         size_t prefix_len);

/* ---- cases (--tool-cases FILE) -------------------------------------------------------------- */

/* One case. All strings are malloc'd and owned by the case (the expect strings too).
 * File format: a JSON list of
 *   {"name": "...", "messages": [{"role":…, "content":…}, …], "tools": [HF tools],
 *    "expect": {"tool": "...", "arg": "...", "contains": "..."}}
 * "name" is optional (default "case N", 1-based), "expect" and each of its keys optional
 * ("arg" and "contains" go together); unknown keys are errors. */
typedef struct {
    char *name;
    char *messages_json; /* compact JSON array, key order kept */
    char *tools_json;    /* compact JSON array, key order kept */
    ffai_tc_expect expect;
} ffai_tool_case;

/* Loads a --tool-cases file into *cases (malloc'd array of *n cases, caller frees with
 * ffai_tool_cases_free). Errors name the file, the case index and the problem, e.g.
 * "cases.json: cases[1] (\"weather\"): tools[0].function: missing \"name\"". */
ffai_status ffai_tool_cases_load(const char *path, ffai_tool_case **cases, int *n, ffai_error *err);

/* The built-in case (BENCH.md §4.6): user "What is the current date and time?", one tool
 * execute_shell(command: string, required), expect execute_shell with command containing "date".
 * Returns a 1-element array like ffai_tool_cases_load (free with ffai_tool_cases_free). */
ffai_status ffai_tool_cases_default(ffai_tool_case **cases, int *n, ffai_error *err);

/* Frees n cases and the array. Accepts NULL. */
void ffai_tool_cases_free(ffai_tool_case *cases, int n);

#endif
