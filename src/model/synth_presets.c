/* synth_presets.c — known models' published hyper-parameters, as data. */
#include "model/synth_presets.h"

#include <string.h>

#define LLAMA3_EOS {128001, 128008, 128009}, 3
#define QWEN_EOS {151645, 151643}, 2

static const synth_preset PRESETS[] = {
    {.name = "llama-3.2-1b", .source = "meta-llama/Llama-3.2-1B-Instruct", .model_type = "llama", .architecture = "LlamaForCausalLM",
     .hidden = 2048, .intermediate = 8192, .layers = 16, .heads = 32, .kv_heads = 8, .head_dim = 64, .emit_head_dim = true,
     .vocab = 128256, .max_pos = 131072, .rope_theta = 500000.0, .rms_eps = 1e-5, .llama3_factor = 32.0, .low_freq_factor = 1.0,
     .high_freq_factor = 4.0, .original_max_pos = 8192, .tie = true, .bos = 128000, .cfg_eos_list = true, .gen_eos = LLAMA3_EOS},
    {.name = "llama-3.2-3b", .source = "meta-llama/Llama-3.2-3B-Instruct", .model_type = "llama", .architecture = "LlamaForCausalLM",
     .hidden = 3072, .intermediate = 8192, .layers = 28, .heads = 24, .kv_heads = 8, .head_dim = 128, .emit_head_dim = true,
     .vocab = 128256, .max_pos = 131072, .rope_theta = 500000.0, .rms_eps = 1e-5, .llama3_factor = 32.0, .low_freq_factor = 1.0,
     .high_freq_factor = 4.0, .original_max_pos = 8192, .tie = true, .bos = 128000, .cfg_eos_list = true, .gen_eos = LLAMA3_EOS},
    {.name = "llama-3.1-8b", .source = "meta-llama/Llama-3.1-8B-Instruct", .model_type = "llama", .architecture = "LlamaForCausalLM",
     .hidden = 4096, .intermediate = 14336, .layers = 32, .heads = 32, .kv_heads = 8, .head_dim = 128, .emit_head_dim = false,
     .vocab = 128256, .max_pos = 131072, .rope_theta = 500000.0, .rms_eps = 1e-5, .llama3_factor = 8.0, .low_freq_factor = 1.0,
     .high_freq_factor = 4.0, .original_max_pos = 8192, .tie = false, .bos = 128000, .cfg_eos_list = true, .gen_eos = LLAMA3_EOS},
    {.name = "qwen3-0.6b", .source = "Qwen/Qwen3-0.6B", .model_type = "qwen3", .architecture = "Qwen3ForCausalLM", .hidden = 1024,
     .intermediate = 3072, .layers = 28, .heads = 16, .kv_heads = 8, .head_dim = 128, .emit_head_dim = true, .vocab = 151936,
     .max_pos = 40960, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 151643, .eos = 151645, .gen_eos = QWEN_EOS,
     .max_window_layers = 28},
    {.name = "qwen3-1.7b", .source = "Qwen/Qwen3-1.7B", .model_type = "qwen3", .architecture = "Qwen3ForCausalLM", .hidden = 2048,
     .intermediate = 6144, .layers = 28, .heads = 16, .kv_heads = 8, .head_dim = 128, .emit_head_dim = true, .vocab = 151936,
     .max_pos = 40960, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 151643, .eos = 151645, .gen_eos = QWEN_EOS,
     .max_window_layers = 28},
    {.name = "qwen3-4b", .source = "Qwen/Qwen3-4B", .model_type = "qwen3", .architecture = "Qwen3ForCausalLM", .hidden = 2560,
     .intermediate = 9728, .layers = 36, .heads = 32, .kv_heads = 8, .head_dim = 128, .emit_head_dim = true, .vocab = 151936,
     .max_pos = 40960, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 151643, .eos = 151645, .gen_eos = QWEN_EOS,
     .max_window_layers = 36},
    {.name = "qwen2.5-0.5b", .source = "Qwen/Qwen2.5-0.5B", .model_type = "qwen2", .architecture = "Qwen2ForCausalLM",
     .hidden = 896, .intermediate = 4864, .layers = 24, .heads = 14, .kv_heads = 2, .head_dim = 64, .emit_head_dim = false,
     .vocab = 151936, .max_pos = 32768, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 151643, .eos = 151643,
     .gen_eos = {151643}, .n_gen_eos = 1, .sliding_window = 32768, .max_window_layers = 24},
    {.name = "gemma-3-1b", .source = "google/gemma-3-1b-it", .model_type = "gemma3_text", .architecture = "Gemma3ForCausalLM",
     .hidden = 1152, .intermediate = 6912, .layers = 26, .heads = 4, .kv_heads = 1, .head_dim = 256, .emit_head_dim = true,
     .vocab = 262144, .max_pos = 32768, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 2, .cfg_eos_list = true,
     .gen_eos = {1, 106}, .n_gen_eos = 2, .sliding_window = 512, .sliding_pattern = 6, .rope_local_theta = 10000.0,
     .query_pre_attn_scalar = 256},
    /* test-only: tiny shapes (every input dim a multiple of 128, so every group size quantizes every matrix) */
    {.name = "tiny-test", .source = "test-only (qwen3 layout, untied head)", .model_type = "qwen3", .architecture = "Qwen3ForCausalLM",
     .hidden = 128, .intermediate = 256, .layers = 2, .heads = 4, .kv_heads = 2, .head_dim = 32, .emit_head_dim = true, .vocab = 512,
     .max_pos = 2048, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = false, .bos = 1, .eos = 2, .gen_eos = {2}, .n_gen_eos = 1,
     .max_window_layers = 2, .test_only = true},
    {.name = "tiny-test-llama", .source = "test-only (llama layout, llama3 rope, tied)", .model_type = "llama",
     .architecture = "LlamaForCausalLM", .hidden = 128, .intermediate = 384, .layers = 2, .heads = 4, .kv_heads = 1, .head_dim = 32,
     .emit_head_dim = true, .vocab = 512, .max_pos = 2048, .rope_theta = 500000.0, .rms_eps = 1e-5, .llama3_factor = 8.0,
     .low_freq_factor = 1.0, .high_freq_factor = 4.0, .original_max_pos = 256, .tie = true, .bos = 1, .eos = 2, .gen_eos = {2},
     .n_gen_eos = 1, .test_only = true},
    {.name = "tiny-test-qwen2", .source = "test-only (qwen2 layout, qkv bias)", .model_type = "qwen2", .architecture = "Qwen2ForCausalLM",
     .hidden = 128, .intermediate = 256, .layers = 2, .heads = 4, .kv_heads = 2, .head_dim = 32, .emit_head_dim = false, .vocab = 512,
     .max_pos = 2048, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 1, .eos = 2, .gen_eos = {2}, .n_gen_eos = 1,
     .sliding_window = 2048, .max_window_layers = 2, .test_only = true},
    {.name = "tiny-test-gemma3", .source = "test-only (gemma3_text layout, sliding window 16)", .model_type = "gemma3_text",
     .architecture = "Gemma3ForCausalLM", .hidden = 128, .intermediate = 256, .layers = 3, .heads = 4, .kv_heads = 1, .head_dim = 32,
     .emit_head_dim = true, .vocab = 512, .max_pos = 2048, .rope_theta = 1000000.0, .rms_eps = 1e-6, .tie = true, .bos = 1, .eos = 2,
     .gen_eos = {2}, .n_gen_eos = 1, .sliding_window = 16, .sliding_pattern = 3, .rope_local_theta = 10000.0,
     .query_pre_attn_scalar = 32, .test_only = true},
};
#define N_PRESETS ((int)(sizeof PRESETS / sizeof PRESETS[0]))

const synth_preset *sp_find(const char *name) {
    for (int i = 0; i < N_PRESETS; i++)
        if (strcmp(PRESETS[i].name, name) == 0) return &PRESETS[i];
    return NULL;
}

const synth_preset *sp_get(int i) { return i >= 0 && i < N_PRESETS ? &PRESETS[i] : NULL; }
