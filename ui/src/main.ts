import { createApp } from "vue";
import { ElMessage, ElMessageBox, ElNotification, provideGlobalConfig } from "element-plus";
import zhCn from "element-plus/es/locale/lang/zh-cn";
// Element Plus's variables first, so style.css can override them; each component brings its
// own CSS (vite.config.ts), and the services called from scripts bring theirs here.
import "element-plus/es/components/base/style/css";
import "element-plus/es/components/message/style/css";
import "element-plus/es/components/message-box/style/css";
import "element-plus/es/components/notification/style/css";
import "./style.css";
import App from "./App.vue";

const app = createApp(App);
// Chinese for every Element Plus component, and for the message boxes, which are mounted
// outside the component tree (installing them gives them the app's context).
provideGlobalConfig({ locale: zhCn }, app, true);
app.use(ElMessage).use(ElMessageBox).use(ElNotification);
app.mount("#app");
