package io.nodus.bpf.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.nodus.bpf.testing.Cmd;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the hand-written struct layouts against the installed libbpf and kernel headers. */
class OptionStructsTest {
    private static final String PROGRAM = """
            #include <stdio.h>
            #include <stddef.h>
            #include <linux/bpf.h>
            #include <linux/btf.h>
            #include <bpf/bpf.h>
            #include <bpf/libbpf.h>
            #define S(t) printf("%s=%zu\\n", #t, sizeof(struct t))
            #define O(t, f) printf("%s.%s=%zu\\n", #t, #f, offsetof(struct t, f))
            int main(void) {
                S(bpf_object_open_opts); O(bpf_object_open_opts, object_name); O(bpf_object_open_opts, pin_root_path);
                O(bpf_object_open_opts, kernel_log_buf); O(bpf_object_open_opts, kernel_log_size);
                S(bpf_map_create_opts); O(bpf_map_create_opts, inner_map_fd); O(bpf_map_create_opts, map_flags);
                S(bpf_map_batch_opts); O(bpf_map_batch_opts, elem_flags); O(bpf_map_batch_opts, flags);
                S(bpf_tc_hook); O(bpf_tc_hook, ifindex); O(bpf_tc_hook, attach_point); O(bpf_tc_hook, parent);
                S(bpf_tc_opts); O(bpf_tc_opts, prog_fd); O(bpf_tc_opts, flags); O(bpf_tc_opts, prog_id);
                O(bpf_tc_opts, handle); O(bpf_tc_opts, priority);
                S(bpf_map_info); O(bpf_map_info, type); O(bpf_map_info, id); O(bpf_map_info, key_size);
                O(bpf_map_info, value_size); O(bpf_map_info, max_entries); O(bpf_map_info, map_flags);
                O(bpf_map_info, name);
                S(bpf_prog_info); O(bpf_prog_info, id);
                O(btf_type, size);
                return 0;
            }
            """;

    private static Map<String, Integer> layout;

    @BeforeAll
    static void compileLayoutProbe(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("layout.c");
        Files.writeString(src, PROGRAM);
        Path exe = dir.resolve("layout");
        Cmd.run("gcc", "-o", exe.toString(), src.toString());
        layout = new HashMap<>();
        for (String line : Cmd.run(exe.toString()).split("\n")) {
            String[] kv = line.trim().split("=");
            layout.put(kv[0], Integer.parseInt(kv[1]));
        }
    }

    @Test
    void objectOpenOptsMatchLibbpf() {
        assertThat(layout.get("bpf_object_open_opts")).isEqualTo(OptionStructs.OBJECT_OPEN_OPTS_SIZE);
        assertThat(layout.get("bpf_object_open_opts.object_name")).isEqualTo(OptionStructs.OBJECT_OPEN_OPTS_OBJECT_NAME);
        assertThat(layout.get("bpf_object_open_opts.pin_root_path")).isEqualTo(OptionStructs.OBJECT_OPEN_OPTS_PIN_ROOT_PATH);
        assertThat(layout.get("bpf_object_open_opts.kernel_log_buf")).isEqualTo(OptionStructs.OBJECT_OPEN_OPTS_KERNEL_LOG_BUF);
        assertThat(layout.get("bpf_object_open_opts.kernel_log_size")).isEqualTo(OptionStructs.OBJECT_OPEN_OPTS_KERNEL_LOG_SIZE);
    }

    @Test
    void mapOptsMatchLibbpf() {
        assertThat(layout.get("bpf_map_create_opts")).isEqualTo(OptionStructs.MAP_CREATE_OPTS_SIZE);
        assertThat(layout.get("bpf_map_create_opts.inner_map_fd")).isEqualTo(OptionStructs.MAP_CREATE_OPTS_INNER_MAP_FD);
        assertThat(layout.get("bpf_map_create_opts.map_flags")).isEqualTo(OptionStructs.MAP_CREATE_OPTS_MAP_FLAGS);
        assertThat(layout.get("bpf_map_batch_opts")).isEqualTo(OptionStructs.MAP_BATCH_OPTS_SIZE);
        assertThat(layout.get("bpf_map_batch_opts.elem_flags")).isEqualTo(OptionStructs.MAP_BATCH_OPTS_ELEM_FLAGS);
        assertThat(layout.get("bpf_map_batch_opts.flags")).isEqualTo(OptionStructs.MAP_BATCH_OPTS_FLAGS);
    }

    @Test
    void tcStructsMatchLibbpf() {
        assertThat(layout.get("bpf_tc_hook")).isEqualTo(OptionStructs.TC_HOOK_SIZE);
        assertThat(layout.get("bpf_tc_hook.ifindex")).isEqualTo(OptionStructs.TC_HOOK_IFINDEX);
        assertThat(layout.get("bpf_tc_hook.attach_point")).isEqualTo(OptionStructs.TC_HOOK_ATTACH_POINT);
        assertThat(layout.get("bpf_tc_hook.parent")).isEqualTo(OptionStructs.TC_HOOK_PARENT);
        assertThat(layout.get("bpf_tc_opts")).isEqualTo(OptionStructs.TC_OPTS_SIZE);
        assertThat(layout.get("bpf_tc_opts.prog_fd")).isEqualTo(OptionStructs.TC_OPTS_PROG_FD);
        assertThat(layout.get("bpf_tc_opts.flags")).isEqualTo(OptionStructs.TC_OPTS_FLAGS);
        assertThat(layout.get("bpf_tc_opts.prog_id")).isEqualTo(OptionStructs.TC_OPTS_PROG_ID);
        assertThat(layout.get("bpf_tc_opts.handle")).isEqualTo(OptionStructs.TC_OPTS_HANDLE);
        assertThat(layout.get("bpf_tc_opts.priority")).isEqualTo(OptionStructs.TC_OPTS_PRIORITY);
    }

    @Test
    void kernelInfoStructsMatchUapi() {
        // Larger kernels' structs may grow; the prefix Nodus reads must not move.
        assertThat(layout.get("bpf_map_info")).isGreaterThanOrEqualTo(OptionStructs.MAP_INFO_SIZE);
        assertThat(layout.get("bpf_map_info.type")).isEqualTo(OptionStructs.MAP_INFO_TYPE);
        assertThat(layout.get("bpf_map_info.id")).isEqualTo(OptionStructs.MAP_INFO_ID);
        assertThat(layout.get("bpf_map_info.key_size")).isEqualTo(OptionStructs.MAP_INFO_KEY_SIZE);
        assertThat(layout.get("bpf_map_info.value_size")).isEqualTo(OptionStructs.MAP_INFO_VALUE_SIZE);
        assertThat(layout.get("bpf_map_info.max_entries")).isEqualTo(OptionStructs.MAP_INFO_MAX_ENTRIES);
        assertThat(layout.get("bpf_map_info.map_flags")).isEqualTo(OptionStructs.MAP_INFO_MAP_FLAGS);
        assertThat(layout.get("bpf_map_info.name")).isEqualTo(OptionStructs.MAP_INFO_NAME);
        assertThat(layout.get("bpf_prog_info")).isGreaterThanOrEqualTo(OptionStructs.PROG_INFO_SIZE);
        assertThat(layout.get("bpf_prog_info.id")).isEqualTo(OptionStructs.PROG_INFO_ID);
        assertThat(layout.get("btf_type.size")).isEqualTo(OptionStructs.BTF_TYPE_SIZE_OFFSET);
    }
}
