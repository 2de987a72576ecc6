/*
 * Linear memory instructions. An access is base + zext(address) + offset with memory 0's
 * base loaded once per function (invariant); there are no bounds checks: the runtime
 * reserves 8 GiB of address space behind the base, so an out-of-bounds access faults in
 * the guard and the runtime's signal handler turns the fault into a trap. Accesses use
 * align 1 (memarg alignment is only a hint) and their own TBAA class, so LLVM knows they
 * never touch vmctx, globals or tables. memory.grow/fill/copy/init and data.drop call the
 * runtime's helpers.
 */
#include "translate.h"
#include "vmctx.h"

bool translate_memory_handles(enum wasm_op op)
{
    if (op >= WASM_OP_I32_LOAD && op <= WASM_OP_MEMORY_GROW)
        return true;
    switch (op) {
    case WASM_OP_MEMORY_INIT: case WASM_OP_DATA_DROP: case WASM_OP_MEMORY_COPY:
    case WASM_OP_MEMORY_FILL:
        return true;
    default:
        return false;
    }
}

/* The LLVM type a load reads or a store writes (before extension / after truncation). */
static LLVMTypeRef access_type(struct translate_func *f, enum wasm_op op)
{
    struct translate_module *tm = f->tm;
    switch (op) {
    case WASM_OP_I32_LOAD8_S: case WASM_OP_I32_LOAD8_U: case WASM_OP_I64_LOAD8_S:
    case WASM_OP_I64_LOAD8_U: case WASM_OP_I32_STORE8: case WASM_OP_I64_STORE8:
        return tm->t_i8;
    case WASM_OP_I32_LOAD16_S: case WASM_OP_I32_LOAD16_U: case WASM_OP_I64_LOAD16_S:
    case WASM_OP_I64_LOAD16_U: case WASM_OP_I32_STORE16: case WASM_OP_I64_STORE16:
        return LLVMInt16TypeInContext(tm->ctx);
    case WASM_OP_I64_LOAD32_S: case WASM_OP_I64_LOAD32_U: case WASM_OP_I64_STORE32:
    case WASM_OP_I32_LOAD: case WASM_OP_I32_STORE:
        return tm->t_i32;
    case WASM_OP_I64_LOAD: case WASM_OP_I64_STORE:
        return tm->t_i64;
    case WASM_OP_F32_LOAD: case WASM_OP_F32_STORE:
        return tm->t_f32;
    default:
        return tm->t_f64;
    }
}

static bool is_signed_load(enum wasm_op op)
{
    return op == WASM_OP_I32_LOAD8_S || op == WASM_OP_I32_LOAD16_S || op == WASM_OP_I64_LOAD8_S ||
           op == WASM_OP_I64_LOAD16_S || op == WASM_OP_I64_LOAD32_S;
}

/* The effective address of an access: base + zext(addr) + offset. */
static LLVMValueRef effective_address(struct translate_func *f, LLVMValueRef addr, uint32_t offset)
{
    struct translate_module *tm = f->tm;
    LLVMValueRef base = translate_vm_field(f, offsetof(struct waot_vmctx, mem_base));
    LLVMValueRef ea = LLVMBuildZExt(f->b, addr, tm->t_i64, "");
    if (offset)
        ea = LLVMBuildNUWAdd(f->b, ea, LLVMConstInt(tm->t_i64, offset, 0), "");
    return translate_vm_gep(f, base, ea);
}

LLVMValueRef translate_memory_address(struct translate_func *f, LLVMValueRef addr, uint32_t offset)
{
    return effective_address(f, addr, offset);
}

static void load(struct translate_func *f, enum wasm_op op, uint32_t offset)
{
    LLVMTypeRef ty = access_type(f, op);
    LLVMValueRef ptr = effective_address(f, translate_func_pop(f), offset);
    LLVMValueRef v = LLVMBuildLoad2(f->b, ty, ptr, "");
    LLVMSetAlignment(v, 1);
    translate_vm_tbaa(f, v, TRANSLATE_TBAA_MEM);
    LLVMTypeRef result = wasm_opinfo[op].r == OPTY_I64 ? f->tm->t_i64 : f->tm->t_i32;
    if (LLVMGetTypeKind(ty) == LLVMIntegerTypeKind && ty != result)
        v = is_signed_load(op) ? LLVMBuildSExt(f->b, v, result, "") : LLVMBuildZExt(f->b, v, result, "");
    translate_func_push(f, v);
}

static void store(struct translate_func *f, enum wasm_op op, uint32_t offset)
{
    LLVMTypeRef ty = access_type(f, op);
    LLVMValueRef v = translate_func_pop(f);
    LLVMValueRef ptr = effective_address(f, translate_func_pop(f), offset);
    if (LLVMGetTypeKind(ty) == LLVMIntegerTypeKind && ty != LLVMTypeOf(v))
        v = LLVMBuildTrunc(f->b, v, ty, "");
    LLVMValueRef st = LLVMBuildStore(f->b, v, ptr);
    LLVMSetAlignment(st, 1);
    translate_vm_tbaa(f, st, TRANSLATE_TBAA_MEM);
}

static void helper(struct translate_func *f, unsigned offset, LLVMValueRef *args, unsigned n)
{
    translate_vm_helper_call(f, offset, f->tm->t_void, args, n);
}

void translate_memory_op(struct translate_func *f, enum wasm_op op)
{
    struct translate_module *tm = f->tm;
    struct wasm_reader *r = &f->r;
    if (wasm_opinfo[op].imm == IMM_MEMARG) {
        wasm_read_u32(r); /* alignment hint */
        uint32_t offset = wasm_read_u32(r);
        if (wasm_opinfo[op].r != OPTY_NONE)
            load(f, op, offset);
        else
            store(f, op, offset);
        return;
    }
    LLVMValueRef args[4];
    switch (op) {
    case WASM_OP_MEMORY_SIZE: {
        wasm_read_u8(r);
        LLVMValueRef mem = translate_vm_field(f, offsetof(struct waot_vmctx, mem));
        LLVMValueRef ptr = translate_vm_gep_const(f, mem, offsetof(struct waot_mem, pages));
        LLVMValueRef pages = LLVMBuildLoad2(f->b, tm->t_i32, ptr, "pages");
        translate_vm_tbaa(f, pages, TRANSLATE_TBAA_VM);
        translate_func_push(f, pages);
        break;
    }
    case WASM_OP_MEMORY_GROW:
        wasm_read_u8(r);
        args[0] = translate_func_pop(f);
        translate_func_push(f, translate_vm_helper_call(f, offsetof(struct waot_helpers, memory_grow),
                                                        tm->t_i32, args, 1));
        break;
    case WASM_OP_MEMORY_FILL: /* dst, val, len */
        wasm_read_u8(r);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        args[0] = translate_func_pop(f);
        helper(f, offsetof(struct waot_helpers, memory_fill), args, 3);
        break;
    case WASM_OP_MEMORY_COPY: /* dst, src, len */
        wasm_read_u8(r);
        wasm_read_u8(r);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        args[0] = translate_func_pop(f);
        helper(f, offsetof(struct waot_helpers, memory_copy), args, 3);
        break;
    case WASM_OP_MEMORY_INIT: /* seg; dst, src, len */
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        wasm_read_u8(r);
        args[3] = translate_func_pop(f);
        args[2] = translate_func_pop(f);
        args[1] = translate_func_pop(f);
        helper(f, offsetof(struct waot_helpers, memory_init), args, 4);
        break;
    case WASM_OP_DATA_DROP:
        args[0] = LLVMConstInt(tm->t_i32, wasm_read_u32(r), 0);
        helper(f, offsetof(struct waot_helpers, data_drop), args, 1);
        break;
    default:
        translate_func_internal(f, "not a memory instruction");
        break;
    }
}

/* A dead load would be deleted by LLVM, losing the trap an out-of-bounds address must
 * raise; a volatile load stays. Follows the dropped value through a few pure operations. */
static void keep_loads(struct translate_func *f, LLVMValueRef v, int depth)
{
    if (!LLVMIsAInstruction(v))
        return;
    if (LLVMIsALoadInst(v)) {
        if (LLVMGetMetadata(v, f->tm->kind_tbaa) == f->tm->md_tbaa[TRANSLATE_TBAA_MEM])
            LLVMSetVolatile(v, 1);
        return;
    }
    if (depth == 0 || LLVMIsAPHINode(v) || LLVMIsACallInst(v) || LLVMIsAAllocaInst(v))
        return;
    int n = LLVMGetNumOperands(v);
    for (int i = 0; i < n; i++)
        keep_loads(f, LLVMGetOperand(v, i), depth - 1);
}

void translate_memory_keep_loads(struct translate_func *f, LLVMValueRef v)
{
    keep_loads(f, v, 4);
}
