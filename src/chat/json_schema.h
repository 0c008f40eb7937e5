/* json_schema.h — checks JSON values against the JSON-Schema subset that tool parameters use. */
#ifndef FFAI_CHAT_JSON_SCHEMA_H
#define FFAI_CHAT_JSON_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

/* Returns 1 when args (the arguments object of a call) satisfies schema, else 0 with reason set to
 * one line such as "missing required argument 'location.city'" or "argument 'tags[1]' should be
 * string". Keywords: type, enum, const, properties, required, additionalProperties, items,
 * anyOf, oneOf, allOf; others are ignored. A NULL or non-object schema accepts everything
 * (except the boolean schema false). reason may be NULL. */
int jschema_check(const json_t *args, const json_t *schema, char *reason, size_t reason_len);

/* Returns 1 when schema is well formed for jschema_check (known type names, "required" a list of
 * strings, "properties" an object of schemas, …), else 0 with msg naming the keyword path, e.g.
 * "properties.count.type: unknown type 'int'". msg may be NULL. */
int jschema_lint(const json_t *schema, char *msg, size_t msg_len);

#endif
