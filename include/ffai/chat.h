/* ffai/chat.h — public API: chat. */
#ifndef FFAI_CHAT_H
#define FFAI_CHAT_H

#include "ffai/status.h"

#endif
