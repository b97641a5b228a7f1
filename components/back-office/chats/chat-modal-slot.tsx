export { ChatModal } from "../chat-modal/ChatModal";
