export { type BindOp, PanthorClient, type SyncOp } from "./client.js";
