/*
 * How generated code reaches the runtime: loads of vmctx fields (cached once per function
 * in the entry block and marked !invariant.load, since runtime/vmctx.h guarantees they never
 * change after instantiation), calls through the helper table, trap blocks (one per kind
 * per function, cold, calling helpers->trap and ending in unreachable) and the stack-limit
 * check every function starts with.
 */
#include <stdio.h>
#include <string.h>

#include "translate.h"
#include "vmctx.h"

void translate_vm_invariant(struct translate_func *f, LLVMValueRef load)
{
    LLVMSetMetadata(load, f->tm->kind_invariant, f->tm->md_empty);
}

void translate_vm_tbaa(struct translate_func *f, LLVMValueRef access, enum translate_tbaa cls)
{
    LLVMSetMetadata(access, f->tm->kind_tbaa, f->tm->md_tbaa[cls]);
}

LLVMValueRef translate_vm_gep(struct translate_func *f, LLVMValueRef ptr, LLVMValueRef offset)
{
    return LLVMBuildInBoundsGEP2(f->b, f->tm->t_i8, ptr, &offset, 1, "");
}

LLVMValueRef translate_vm_gep_const(struct translate_func *f, LLVMValueRef ptr, uint64_t offset)
{
    if (offset == 0)
        return ptr;
    return translate_vm_gep(f, ptr, LLVMConstInt(f->tm->t_i64, offset, 0));
}

LLVMValueRef translate_vm_load_invariant(struct translate_func *f, LLVMTypeRef ty, LLVMValueRef ptr,
                                         uint64_t offset)
{
    LLVMValueRef load = LLVMBuildLoad2(f->b, ty, translate_vm_gep_const(f, ptr, offset), "");
    translate_vm_invariant(f, load);
    return load;
}

LLVMValueRef translate_vm_field(struct translate_func *f, unsigned offset)
{
    unsigned slot = offset / 8;
    if (slot >= sizeof f->vm_fields / sizeof f->vm_fields[0]) {
        translate_func_internal(f, "bad vmctx field offset");
        return LLVMGetUndef(f->tm->t_ptr);
    }
    if (f->vm_fields[slot])
        return f->vm_fields[slot];
    struct translate_module *tm = f->tm;
    LLVMTypeRef ty = offset == offsetof(struct waot_vmctx, stack_limit) ? tm->t_i64 : tm->t_ptr;
    LLVMValueRef ptr = f->vm;
    if (offset) {
        LLVMValueRef off = LLVMConstInt(tm->t_i64, offset, 0);
        ptr = LLVMBuildInBoundsGEP2(f->eb, tm->t_i8, f->vm, &off, 1, "");
    }
    static const char *const names[] = {"mem_base", "mem", "stack_limit", "helpers", "type_ids",
                                        "funcs", "globals", "tables", "instance"};
    LLVMValueRef load = LLVMBuildLoad2(f->eb, ty, ptr, names[slot]);
    translate_vm_invariant(f, load);
    f->vm_fields[slot] = load;
    return load;
}

LLVMValueRef translate_vm_array_elem(struct translate_func *f, unsigned offset, uint32_t i)
{
    LLVMValueRef arr = translate_vm_field(f, offset);
    return translate_vm_load_invariant(f, f->tm->t_ptr, arr, (uint64_t)i * sizeof(void *));
}

static LLVMValueRef helper_pointer(struct translate_func *f, LLVMBuilderRef b, unsigned offset)
{
    struct translate_module *tm = f->tm;
    LLVMValueRef helpers = translate_vm_field(f, offsetof(struct waot_vmctx, helpers));
    LLVMValueRef ptr = helpers;
    if (offset) {
        LLVMValueRef off = LLVMConstInt(tm->t_i64, offset, 0);
        ptr = LLVMBuildInBoundsGEP2(b, tm->t_i8, helpers, &off, 1, "");
    }
    LLVMValueRef load = LLVMBuildLoad2(b, tm->t_ptr, ptr, "helper");
    translate_vm_invariant(f, load);
    return load;
}

LLVMValueRef translate_vm_helper_call(struct translate_func *f, unsigned offset, LLVMTypeRef ret,
                                      LLVMValueRef *args, unsigned nargs)
{
    LLVMTypeRef types[8];
    LLVMValueRef full[8];
    if (nargs + 1 > 8) {
        translate_func_internal(f, "too many helper arguments");
        return LLVMGetUndef(ret);
    }
    types[0] = f->tm->t_ptr;
    full[0] = f->vm;
    for (unsigned i = 0; i < nargs; i++) {
        types[i + 1] = LLVMTypeOf(args[i]);
        full[i + 1] = args[i];
    }
    LLVMTypeRef fnty = LLVMFunctionType(ret, types, nargs + 1, 0);
    LLVMValueRef fn = helper_pointer(f, f->b, offset);
    return LLVMBuildCall2(f->b, fnty, fn, full, nargs + 1, "");
}

static LLVMAttributeRef enum_attr(LLVMContextRef ctx, const char *name)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    return LLVMCreateEnumAttribute(ctx, kind, 0);
}

/* The function's block for trap kind: helpers->trap(vm, kind); unreachable. */
static LLVMBasicBlockRef trap_block(struct translate_func *f, enum waot_trap kind)
{
    if (f->trap_bbs[kind])
        return f->trap_bbs[kind];
    struct translate_module *tm = f->tm;
    char name[32];
    snprintf(name, sizeof name, "trap%d", (int)kind);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(tm->ctx, f->fn, name);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(tm->ctx);
    LLVMPositionBuilderAtEnd(b, bb);
    LLVMValueRef fn = helper_pointer(f, b, offsetof(struct waot_helpers, trap));
    LLVMTypeRef params[2] = {tm->t_ptr, tm->t_i32};
    LLVMTypeRef fnty = LLVMFunctionType(tm->t_void, params, 2, 0);
    LLVMValueRef args[2] = {f->vm, LLVMConstInt(tm->t_i32, (unsigned)kind, 0)};
    LLVMValueRef call = LLVMBuildCall2(b, fnty, fn, args, 2, "");
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, enum_attr(tm->ctx, "noreturn"));
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, enum_attr(tm->ctx, "cold"));
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, enum_attr(tm->ctx, "nounwind"));
    LLVMBuildUnreachable(b);
    LLVMDisposeBuilder(b);
    f->trap_bbs[kind] = bb;
    return bb;
}

void translate_vm_trap_if(struct translate_func *f, LLVMValueRef cond, enum waot_trap kind)
{
    LLVMBasicBlockRef trap = trap_block(f, kind);
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(f->tm->ctx, f->fn, "");
    LLVMValueRef br = LLVMBuildCondBr(f->b, cond, trap, cont);
    LLVMSetMetadata(br, f->tm->kind_prof, f->tm->md_unlikely);
    LLVMPositionBuilderAtEnd(f->b, cont);
}

void translate_vm_trap(struct translate_func *f, enum waot_trap kind)
{
    LLVMBuildBr(f->b, trap_block(f, kind));
    f->unreachable = true;
}

void translate_vm_stack_check(struct translate_func *f, LLVMBasicBlockRef body)
{
    struct translate_module *tm = f->tm;
    LLVMValueRef limit = translate_vm_field(f, offsetof(struct waot_vmctx, stack_limit));
    /* The address of the return address is the stack pointer at entry on x86_64 (and
     * frame-pointer based on aarch64). Unlike llvm.stacksave it is readnone, so once a
     * callee is inlined its check merges with the caller's and never pins a loop. */
    unsigned id = LLVMLookupIntrinsicID("llvm.addressofreturnaddress", 27);
    LLVMTypeRef over[1] = {tm->t_ptr};
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(tm->mod, id, over, 1);
    LLVMTypeRef fnty = LLVMIntrinsicGetType(tm->ctx, id, over, 1);
    LLVMValueRef sp = LLVMBuildCall2(f->eb, fnty, decl, NULL, 0, "sp");
    LLVMValueRef spi = LLVMBuildPtrToInt(f->eb, sp, tm->t_i64, "");
    LLVMValueRef low = LLVMBuildICmp(f->eb, LLVMIntULT, spi, limit, "");
    LLVMBasicBlockRef trap = trap_block(f, WAOT_TRAP_STACK_EXHAUSTED);
    LLVMValueRef br = LLVMBuildCondBr(f->eb, low, trap, body);
    LLVMSetMetadata(br, tm->kind_prof, tm->md_unlikely);
    LLVMPositionBuilderBefore(f->eb, br);
}
