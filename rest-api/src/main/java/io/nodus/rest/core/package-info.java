/** What the resources need from the control plane, and how its rejections map to HTTP. */
package io.nodus.rest.core;
