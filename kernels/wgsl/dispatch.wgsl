// Shared by every entry point: launches are 2-D when one dimension would exceed the
// 65,535-workgroup limit, and every kernel uses 64-thread workgroups.

const WORKGROUP: u32 = 64u;

struct Params {
    // Number of work items (threads that do something); the rest of the last workgroup exits.
    count: u32,
    a: u32,
    b: u32,
    c: u32,
}

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * WORKGROUP;
}
