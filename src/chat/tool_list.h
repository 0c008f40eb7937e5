/* tool_list.h — the HF `tools` list: checking its shape and finding a tool by name. */
#ifndef FFAI_CHAT_TOOL_LIST_H
#define FFAI_CHAT_TOOL_LIST_H

#include <jansson.h>
#include <stddef.h>

/* Returns 1 when tools is a non-empty JSON array of {"type":"function","function":{"name": string,
 * "description"?: string, "parameters"?: schema}} with well-formed schemas, else 0 with msg such as
 * "tools[0].function: missing \"name\"". With strict == 0, flat {"name", "parameters"} entries
 * (optionally with "type": "function") are accepted too. msg may be NULL. */
int tlist_check(const json_t *tools, int strict, char *msg, size_t msg_len);

/* The function object ({"name", "parameters", …}) of the tool called name, or NULL. */
const json_t *tlist_find(const json_t *tools, const char *name);

/* Writes the tool names, comma-separated, into buf (cut to fit). */
void tlist_names(const json_t *tools, char *buf, size_t len);

#endif
