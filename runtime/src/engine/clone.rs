//! Structured clone: `postMessage`'s serialization, with Node's transfer-list rules.
//!
//! Order, as in Node's `Message::Serialize`: check the transfer list; write the value; only
//! after a successful write detach the transferred `ArrayBuffer`s (keeping their backing
//! stores, which move without a copy) and move the transferred ports. A failed clone throws
//! and changes nothing.

use std::cell::RefCell;

use v8::{ValueDeserializerHelper, ValueSerializerHelper};

use crate::engine::host::{self, HostRef};
use crate::message::{Message, MessageParts, SharedMemory};
use crate::port::PortId;

type Store = v8::SharedRef<v8::BackingStore>;

/// What the transfer list asked for, checked.
struct TransferPlan<'s> {
    buffers: Vec<v8::Local<'s, v8::ArrayBuffer>>,
    ports: Vec<PortId>,
}

fn port_id(
    scope: &mut v8::PinScope<'_, '_>,
    brand: v8::Local<v8::Private>,
    obj: v8::Local<v8::Object>,
) -> Option<PortId> {
    let v = obj.get_private(scope, brand)?;
    if v.is_number() {
        v.integer_value(scope).map(|n| PortId(n as u64))
    } else {
        None
    }
}

fn data_clone_error(scope: &mut v8::PinScope<'_, '_>, message: &str) {
    host::throw(scope, "DOMException", "DataCloneError", message);
}

/// The text V8 gives a `DataCloneError` for `value` (`#<WeakMap> could not be cloned.`,
/// `f(){} could not be cloned.`): a clone-failure fault's. A function's text comes from its
/// `toString`, which the program may have replaced (V8's own message would not call it).
pub(crate) fn uncloneable_text<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
) -> String {
    let what = if let Ok(symbol) = v8::Local::<v8::Symbol>::try_from(value) {
        let description = symbol.description(scope);
        let description = v8::Local::<v8::String>::try_from(description)
            .map(|d| d.to_rust_string_lossy(scope))
            .unwrap_or_default();
        format!("Symbol({description})")
    } else if value.is_function() || !value.is_object() {
        // A function's source text, or a primitive's string.
        value
            .to_string(scope)
            .map(|s| s.to_rust_string_lossy(scope))
            .unwrap_or_default()
    } else {
        let object = v8::Local::<v8::Object>::try_from(value).ok();
        let name = object.map(|o| o.get_constructor_name().to_rust_string_lossy(scope));
        format!("#<{}>", name.unwrap_or_else(|| "Object".to_string()))
    };
    format!("{what} could not be cloned.")
}

fn plan<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    host: &HostRef,
    transfer: &[v8::Local<'s, v8::Value>],
    source: Option<PortId>,
) -> Option<TransferPlan<'s>> {
    let brand = v8::Local::new(scope, &host.brand);
    let mut plan = TransferPlan {
        buffers: Vec::new(),
        ports: Vec::new(),
    };
    for &item in transfer {
        if item.is_array_buffer() {
            let ab = v8::Local::<v8::ArrayBuffer>::try_from(item).ok()?;
            // MUTANT transfer_duplicates_allowed: no duplicate check (nodejs/node#25786).
            let check = cfg!(not(heddle_mutant = "transfer_duplicates_allowed"));
            if check && plan.buffers.iter().any(|b| b.strict_equals(item)) {
                data_clone_error(scope, "Transfer list contains duplicate ArrayBuffer");
                return None;
            }
            // Node 20 moves a detached ArrayBuffer like any other (the receiver gets an
            // empty one); one that cannot be detached is copied instead.
            if !ab.is_detachable() {
                continue;
            }
            plan.buffers.push(ab);
            continue;
        }
        if item.is_object() && !item.is_shared_array_buffer() {
            let obj = v8::Local::<v8::Object>::try_from(item).ok()?;
            if let Some(id) = port_id(scope, brand, obj) {
                if source == Some(id) {
                    data_clone_error(scope, "Transfer list contains source port");
                    return None;
                }
                if plan.ports.contains(&id) {
                    data_clone_error(scope, "Transfer list contains duplicate MessagePort");
                    return None;
                }
                if host.state.borrow().is_closed(id) {
                    data_clone_error(scope, "MessagePort in transfer list is already detached");
                    return None;
                }
                plan.ports.push(id);
                continue;
            }
        }
        host::throw(
            scope,
            "TypeError",
            "ERR_INVALID_TRANSFER_OBJECT",
            "Found invalid object in transferList",
        );
        return None;
    }
    Some(plan)
}

struct SerializeDelegate<'a> {
    host: &'a HostRef,
    ports: &'a [PortId],
    shared: &'a RefCell<Vec<SharedMemory>>,
}

impl v8::ValueSerializerImpl for SerializeDelegate<'_> {
    fn throw_data_clone_error<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        message: v8::Local<'s, v8::String>,
    ) {
        let text = message.to_rust_string_lossy(scope);
        data_clone_error(scope, &text);
    }

    fn has_custom_host_object(&self, _isolate: &v8::Isolate) -> bool {
        true
    }

    fn is_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        object: v8::Local<'s, v8::Object>,
    ) -> Option<bool> {
        let brand = v8::Local::new(scope, &self.host.brand);
        object.has_private(scope, brand)
    }

    fn write_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        object: v8::Local<'s, v8::Object>,
        serializer: &dyn v8::ValueSerializerHelper,
    ) -> Option<bool> {
        let brand = v8::Local::new(scope, &self.host.brand);
        let index =
            port_id(scope, brand, object).and_then(|id| self.ports.iter().position(|p| *p == id));
        match index {
            Some(i) => {
                serializer.write_uint32(i as u32);
                Some(true)
            }
            None => {
                host::throw(
                    scope,
                    "TypeError",
                    "ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST",
                    "Object that needs transfer was found in message but not listed in transferList",
                );
                None
            }
        }
    }

    fn get_shared_array_buffer_id<'s>(
        &self,
        _scope: &mut v8::PinScope<'s, '_>,
        sab: v8::Local<'s, v8::SharedArrayBuffer>,
    ) -> Option<u32> {
        let store = sab.get_backing_store();
        if self.host.shared.gate.serves_atomics() {
            // Shared from now on: the scheduler is told each unit's writes to it.
            let region = SabRegion(store.clone());
            let id = crate::memory::MemoryRegion::id(&region);
            if self
                .host
                .shared
                .memory
                .register(std::sync::Arc::new(region))
            {
                self.host.shared.gate.shared_memory(self.host.worker, id);
            }
        }
        let mut shared = self.shared.borrow_mut();
        #[cfg(heddle_mutant = "sabs_merged")]
        if !shared.is_empty() {
            // MUTANT: every SharedArrayBuffer of a message after the first is written as the
            // first (nodejs/node#28559).
            return Some(0);
        }
        #[cfg(heddle_mutant = "sab_freed_with_creator")]
        self.host.sent_sabs.borrow_mut().push(store.clone());
        shared.push(std::sync::Arc::new(store));
        Some(shared.len() as u32 - 1)
    }
}

/// A `SharedArrayBuffer`'s backing store, as memory the scheduler watches.
struct SabRegion(Store);

impl crate::memory::MemoryRegion for SabRegion {
    fn id(&self) -> usize {
        self.0.data().map(|p| p.as_ptr() as usize).unwrap_or(0)
    }

    fn len(&self) -> usize {
        self.0.byte_length()
    }

    fn read(&self, out: &mut [u8]) {
        let Some(data) = self.0.data() else { return };
        let n = out.len().min(self.0.byte_length());
        // SAFETY: `data` points at this backing store's `byte_length()` bytes, kept alive by
        // the `SharedRef` we hold; `n` is within them. Other threads may write these bytes,
        // but only when they hold the scheduler's turn, which the caller does.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr() as *const u8, out.as_mut_ptr(), n) };
    }
}

/// The outcome of a successful serialization.
pub(crate) struct Serialized {
    pub message: Message,
    /// A transferred port belongs to the sending port's own group: Node drops the message
    /// with the warning "The target port was posted to itself…".
    pub posted_to_itself: bool,
}

/// Serializes `value` with `transfer` (a JS array). `source` is the posting port, if any.
/// On failure a JS exception is pending and nothing was detached or moved.
pub(crate) fn serialize<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
    transfer: &[v8::Local<'s, v8::Value>],
    source: Option<PortId>,
) -> Option<Serialized> {
    let host = host::host(scope);
    let plan = plan(scope, &host, transfer, source)?;
    let shared = RefCell::new(Vec::new());
    let context = scope.get_current_context();
    let data = {
        let serializer = v8::ValueSerializer::new(
            scope,
            Box::new(SerializeDelegate {
                host: &host,
                ports: &plan.ports,
                shared: &shared,
            }),
        );
        serializer.write_header();
        for (i, ab) in plan.buffers.iter().enumerate() {
            serializer.transfer_array_buffer(i as u32, *ab);
        }
        serializer.write_value(context, value)?;
        serializer.release()
    };
    let mut message = Message::from_bytes(data);
    message.shared = shared.into_inner();
    for ab in &plan.buffers {
        let store: Store = ab.get_backing_store();
        ab.detach(None);
        message.transfers.push(Box::new(store));
    }
    let mut state = host.state.borrow_mut();
    let posted_to_itself =
        source.is_some_and(|s| plan.ports.iter().any(|p| state.same_group(s, *p)));
    for id in &plan.ports {
        if let Some(port) = state.transfer(*id) {
            message.ports.push(port);
        }
    }
    Some(Serialized {
        message,
        posted_to_itself,
    })
}

struct DeserializeDelegate<'a> {
    shared: &'a [SharedMemory],
    ports: &'a [v8::Global<v8::Object>],
}

fn invalid(scope: &mut v8::PinScope<'_, '_>, what: &str) {
    let msg = host::str(
        scope,
        &format!("Unable to deserialize cloned data: {what}."),
    );
    let e = v8::Exception::error(scope, msg);
    scope.throw_exception(e);
}

impl v8::ValueDeserializerImpl for DeserializeDelegate<'_> {
    fn read_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        deserializer: &dyn v8::ValueDeserializerHelper,
    ) -> Option<v8::Local<'s, v8::Object>> {
        let mut index = 0u32;
        match deserializer
            .read_uint32(&mut index)
            .then(|| self.ports.get(index as usize))
            .flatten()
        {
            Some(port) => Some(v8::Local::new(scope, port)),
            None => {
                invalid(scope, "a MessagePort index out of range");
                None
            }
        }
    }

    fn get_shared_array_buffer_from_id<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        id: u32,
    ) -> Option<v8::Local<'s, v8::SharedArrayBuffer>> {
        match self
            .shared
            .get(id as usize)
            .and_then(|m| m.downcast_ref::<Store>())
        {
            Some(store) => Some(v8::SharedArrayBuffer::with_backing_store(scope, store)),
            None => {
                invalid(scope, "a SharedArrayBuffer id out of range");
                None
            }
        }
    }
}

/// Deserializes a delivered message in this isolate. Transferred ports become this loop's
/// (not yet receiving). On failure a JS exception is pending.
pub(crate) fn deserialize<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    parts: MessageParts,
) -> Option<v8::Local<'s, v8::Value>> {
    let host = host::host(scope);
    let make_port = host
        .hooks
        .borrow()
        .as_ref()
        .map(|h| v8::Local::new(scope, &h.make_port))?;
    let mut ports = Vec::with_capacity(parts.ports.len());
    for port in parts.ports {
        let id = host.state.borrow_mut().adopt(port);
        let arg = v8::Number::new(scope, id.0 as f64).into();
        let undefined = v8::undefined(scope).into();
        let obj = make_port.call(scope, undefined, &[arg])?;
        let obj = v8::Local::<v8::Object>::try_from(obj).ok()?;
        ports.push(v8::Global::new(scope, obj));
    }
    let mut stores = Vec::with_capacity(parts.transfers.len());
    for t in parts.transfers {
        match t.downcast::<Store>() {
            Ok(store) => stores.push(*store),
            Err(_) => {
                invalid(scope, "a transferred buffer of a foreign engine");
                return None;
            }
        }
    }
    let context = scope.get_current_context();
    let data = parts.data; // must outlive the deserializer, which reads it in place
    let deserializer = v8::ValueDeserializer::new(
        scope,
        Box::new(DeserializeDelegate {
            shared: &parts.shared,
            ports: &ports,
        }),
        &data,
    );
    if deserializer.read_header(context) != Some(true) {
        return None;
    }
    for (i, store) in stores.iter().enumerate() {
        let ab = v8::ArrayBuffer::with_backing_store(scope, store);
        deserializer.transfer_array_buffer(i as u32, ab);
    }
    let value = deserializer.read_value(context);
    drop(deserializer);
    drop(data);
    value
}
