/*
 * Reference and table instructions. References are pointers (a funcref is the address of
 * its struct waot_funcref, NULL is null). ref.func reads vm->funcs; table.size reads the
 * table's size; table.get/set/grow/fill/copy/init and elem.drop call the runtime helpers,
 * which do their own bounds checks and trap. call_indirect checks inline, in the spec's
 * order: index in bounds, entry not null, signature id equal to the expected type's id.
 */
#include "translate.h"
#include "vmctx.h"

bool translate_table_handles(enum wasm_op op)
{
    switch (op) {
    case WASM_OP_CALL_INDIRECT: case WASM_OP_TABLE_GET: case WASM_OP_TABLE_SET:
    case WASM_OP_REF_NULL: case WASM_OP_REF_IS_NULL: case WASM_OP_REF_FUNC:
    case WASM_OP_TABLE_INIT: case WASM_OP_ELEM_DROP: case WASM_OP_TABLE_COPY:
    case WASM_OP_TABLE_GROW: case WASM_OP_TABLE_SIZE: case WASM_OP_TABLE_FILL:
        return true;
    default:
        return false;
    }
}

static LLVMValueRef table_ptr(struct translate_func *f, uint32_t t)
{
    return translate_vm_array_elem(f, offsetof(struct waot_vmctx, tables), t);
}

/* A field of struct waot_tab: not invariant (table.grow changes size and elems). */
static LLVMValueRef table_field(struct translate_func *f, LLVMValueRef tab, LLVMTypeRef ty,
                                unsigned offset)
{
    LLVMValueRef v = LLVMBuildLoad2(f->b, ty, translate_vm_gep_const(f, tab, offset), "");
    translate_vm_tbaa(f, v, TRANSLATE_TBAA_TABLE);
    return v;
}

static void call_indirect(struct translate_func *f, uint32_t type_index, uint32_t t)
{
    struct translate_module *tm = f->tm;
    if (type_index >= f->m->ntypes || t >= f->m->ntables)
        return translate_func_internal(f, "bad call_indirect immediate");
    const struct wasm_functype *ft = &f->m->types[type_index];
    LLVMValueRef idx = translate_func_pop(f);
    LLVMValueRef *args = translate_func_pop_n(f, ft->nparams);
    if (f->failed)
        return;
    LLVMValueRef tab = table_ptr(f, t);
    LLVMValueRef size = table_field(f, tab, tm->t_i32, offsetof(struct waot_tab, size));
    translate_vm_trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, idx, size, ""), WAOT_TRAP_UNDEFINED_ELEMENT);
    LLVMValueRef elems = table_field(f, tab, tm->t_ptr, offsetof(struct waot_tab, elems));
    LLVMValueRef off = LLVMBuildMul(f->b, LLVMBuildZExt(f->b, idx, tm->t_i64, ""),
                                    LLVMConstInt(tm->t_i64, sizeof(void *), 0), "");
    LLVMValueRef fr = LLVMBuildLoad2(f->b, tm->t_ptr, translate_vm_gep(f, elems, off), "funcref");
    translate_vm_tbaa(f, fr, TRANSLATE_TBAA_TABLE);
    translate_vm_trap_if(f, LLVMBuildIsNull(f->b, fr, ""), WAOT_TRAP_UNINIT_ELEMENT);
    /* A funcref never changes once made, so its fields are invariant. */
    LLVMValueRef id = translate_vm_load_invariant(f, tm->t_i32, fr, offsetof(struct waot_funcref, type_id));
    LLVMValueRef ids = translate_vm_field(f, offsetof(struct waot_vmctx, type_ids));
    LLVMValueRef want = translate_vm_load_invariant(f, tm->t_i32, ids, (uint64_t)type_index * 4);
    translate_vm_trap_if(f, LLVMBuildICmp(f->b, LLVMIntNE, id, want, ""), WAOT_TRAP_INDIRECT_TYPE);
    LLVMValueRef code = translate_vm_load_invariant(f, tm->t_ptr, fr, offsetof(struct waot_funcref, code));
    LLVMValueRef ctx = translate_vm_load_invariant(f, tm->t_ptr, fr, offsetof(struct waot_funcref, vmctx));
    translate_func_call(f, ft, tm->func_types[type_index], code, ctx, args);
}

void translate_table_op(struct translate_func *f, enum wasm_op op)
{
    struct translate_module *tm = f->tm;
    struct wasm_reader *r = &f->r;
    LLVMValueRef args[5];
    switch (op) {
    case WASM_OP_CALL_INDIRECT: {
        uint32_t type_index = wasm_read_u32(r);
        uint32_t t = wasm_read_u32(r);
        call_indirect(f, type_index, t);
        break;
    }
    case WASM_OP_REF_NULL:
        wasm_read_u8(r);
        translate_func_push(f, LLVMConstNull(tm->t_ptr));
        break;
    case WASM_OP_REF_IS_NULL: {
        LLVMValueRef is_null = LLVMBuildIsNull(f->b, translate_func_pop(f), "");
        translate_func_push(f, LLVMBuildZExt(f->b, is_null, tm->t_i32, ""));
        break;
    }
    case WASM_OP_REF_FUNC: {
        uint32_t i = wasm_read_u32(r);
        if (i >= f->m->nfuncs)
            return translate_func_internal(f, "bad ref.func index");
        translate_func_push(f, translate_vm_array_elem(f, offsetof(struct waot_vmctx, funcs), i));
        break;
    }
    case WASM_OP_TABLE_SIZE: {
        uint32_t t = wasm_read_u32(r);
        translate_func_push(f, table_field(f, table_ptr(f, t), tm->t_i32, offsetof(struct waot_tab, size)));
        break;
    }
    case WASM_OP_TABLE_GET: /* table; idx -> ref */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[1] = translate_func_pop(f);
        translate_func_push(f, translate_vm_helper_call(f, offsetof(struct waot_helpers, table_get),
                                                        tm->t_ptr, args, 2));
        break;
    case WASM_OP_TABLE_SET: /* table; idx, ref */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        translate_vm_helper_call(f, offsetof(struct waot_helpers, table_set), tm->t_void, args, 3);
        break;
    case WASM_OP_TABLE_GROW: /* table; init, delta -> old size or -1 */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        translate_func_push(f, translate_vm_helper_call(f, offsetof(struct waot_helpers, table_grow),
                                                        tm->t_i32, args, 3));
        break;
    case WASM_OP_TABLE_FILL: /* table; dst, ref, len */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[3] = translate_func_pop(f);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        translate_vm_helper_call(f, offsetof(struct waot_helpers, table_fill), tm->t_void, args, 4);
        break;
    case WASM_OP_TABLE_COPY: /* dst table, src table; dst, src, len */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[1] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[4] = translate_func_pop(f);
        args[3] = translate_func_pop(f);
        args[2] = translate_func_pop(f);
        translate_vm_helper_call(f, offsetof(struct waot_helpers, table_copy), tm->t_void, args, 5);
        break;
    case WASM_OP_TABLE_INIT: { /* elem, table; dst, src, len -> helper(table, elem, ...) */
        uint32_t seg = wasm_read_u32(r);
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        args[1] = LLVMConstInt(tm->t_i32, seg, 0);
        args[4] = translate_func_pop(f);
        args[3] = translate_func_pop(f);
        args[2] = translate_func_pop(f);
        translate_vm_helper_call(f, offsetof(struct waot_helpers, table_init), tm->t_void, args, 5);
        break;
    }
    case WASM_OP_ELEM_DROP:
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        translate_vm_helper_call(f, offsetof(struct waot_helpers, elem_drop), tm->t_void, args, 1);
        break;
    default:
        translate_func_internal(f, "not a table instruction");
        break;
    }
}
