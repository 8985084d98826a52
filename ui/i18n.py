"""The one translation table of the dashboard: every label, help text and message in English and 简体中文.

``t(key, **values)`` returns the text in the current language (``st.session_state["lang"]``, set from
``?lang=`` by app.py); ``{name}`` placeholders are filled from ``values``. Terms follow LESSONS.md.
A key missing from the table is returned as itself, so a typo shows on the page instead of crashing it.
"""
# ruff: noqa: E501 - Chinese characters count double width; splitting every sentence would hurt the table
from __future__ import annotations

LANGS = {"en": "English", "zh": "简体中文"}

T: dict[str, tuple[str, str]] = {
    # ---- shell ---------------------------------------------------------------------------------
    "app.title": ("GAN Classroom", "GAN 课堂"),
    "page.train": ("Train", "训练"),
    "page.curves": ("Live curves", "实时曲线"),
    "page.own_data": ("Your own data", "自己的数据"),
    "page.step": ("One step, slowly", "慢动作单步"),
    "side.run": ("Run", "训练记录"),
    "side.run_help": ("Every run in the runs folder, also those started from the command line. The link "
                      "(?run=...) opens the same run for a classmate.",
                      "运行文件夹中的所有训练，包括命令行启动的。链接（?run=...）可让同学打开同一个训练。"),
    "side.no_runs": ("No runs yet: press Start on the Train page.", "还没有训练：请在“训练”页按“开始”。"),
    "side.device": ("Device", "设备"),
    "side.cpu": ("CPU · {threads} threads", "CPU · {threads} 个线程"),
    "side.language": ("Language", "语言"),
    "side.live": ("live", "进行中"),
    "side.disk": ("on disk", "已保存"),
    "side.refresh": ("Refresh rate (updates/s)", "刷新频率（次/秒）"),
    "side.refresh_help": ("How often the live panels redraw; lower leaves more CPU to training.",
                          "实时面板每秒重绘的次数；越低，留给训练的 CPU 越多。"),
    # ---- states --------------------------------------------------------------------------------
    "state.idle": ("idle", "未开始"), "state.queued": ("queued", "排队中"), "state.starting": ("starting", "启动中"),
    "state.running": ("running", "训练中"), "state.paused": ("paused", "已暂停"), "state.finished": ("finished", "已完成"),
    "state.stopped": ("stopped", "已停止"), "state.failed": ("failed", "失败"), "state.diverged": ("diverged", "发散"),
    "state.interrupted": ("interrupted", "中断"), "state.unknown": ("unknown", "未知"),
    # ---- train page ----------------------------------------------------------------------------
    "train.preset": ("Preset (lesson)", "预设（课程）"),
    "train.preset_help": ("A ready-made experiment from the course; it fills in every knob below.",
                          "课程中现成的实验；选中后会填好下面所有的参数。"),
    "train.custom": ("(your own settings)", "（自定义设置）"),
    "train.lesson": ("Lesson {n}", "第{n}课"),
    "train.settings": ("Settings", "设置"),
    "train.start": ("Start", "开始"), "train.pause": ("Pause", "暂停"), "train.resume": ("Resume", "继续"),
    "train.stop": ("Stop", "停止"), "train.step": ("Step", "单步"),
    "train.start_help": ("Start a new run with the settings on the left.", "用左侧的设置开始新的训练。"),
    "train.step_part": ("Update", "更新"), "train.step_n": ("Steps", "步数"),
    "part.both": ("D and G", "判别器和生成器"), "part.d": ("D only", "仅判别器"), "part.g": ("G only", "仅生成器"),
    "train.step_help": ("Run exactly this many iterations, then pause: watch one update at a time.",
                        "只运行这么多次迭代然后暂停：一次看一个更新。"),
    "train.not_owner": ("This run was started in another browser; you are watching it (read-only: only its owner "
                        "can pause, stop or re-tune it).",
                        "这个训练是在另一个浏览器中启动的；你正在观看（只读：只有启动者可以暂停、停止或调节它）。"),
    "train.take_over": ("Control it from here", "在这里控制它"),
    "train.started": ("Started run {run}.", "已开始训练 {run}。"),
    "train.bad_config": ("These settings cannot start a run: {msg}", "这些设置无法开始训练：{msg}"),
    "train.bad_update": ("That change was not applied: {msg}", "该修改未生效：{msg}"),
    "train.updated": ("{key} = {value} applied to the running model.", "{key} = {value} 已应用到正在训练的模型。"),
    "train.frozen_help": ("Needs new models or data, so it is locked while the run trains: Stop it, then Start a "
                          "new run.", "需要新的模型或数据，训练时已锁定：先停止，再开始新的训练。"),
    "train.live_help": ("Changes the running model at once; a marker appears on the curves.",
                        "立即改变正在训练的模型；曲线上会出现标记。"),
    "train.no_run": ("No run selected. Choose a preset and press Start.", "未选择训练。选一个预设，然后按“开始”。"),
    "train.step_no": ("Step", "迭代"), "train.sps": ("steps/s", "步/秒"), "train.ips": ("images/s", "样本/秒"),
    "train.points_s": ("points/s", "点/秒"),
    "train.dx": ("D(x)", "D(x)"), "train.dgz": ("D(G(z))", "D(G(z))"),
    "train.dx_help": ("What D says about real samples: 1 = surely real (for WGAN a score, not a probability).",
                      "判别器对真实样本的判断：1 = 肯定是真的（WGAN 中是评分，不是概率）。"),
    "train.dgz_help": ("What D says about generated samples; at equilibrium both are about 0.5.",
                       "判别器对生成样本的判断；在平衡点两者都约为 0.5。"),
    "train.progress": ("{done:.0%} of the budget", "已用预算 {done:.0%}"),
    "train.queued": ("Waiting for a free slot: position {n} in the queue.", "等待空闲名额：排队第 {n} 位。"),
    "train.failed": ("The run stopped with an error: {msg}", "训练因错误停止：{msg}"),
    "train.diverged": ("The run diverged: {msg}", "训练发散了：{msg}"),
    "train.try": ("What to try: {hint}", "可以尝试：{hint}"),
    "lesson.hidden": ("This lesson link fixes {n} settings; the others are yours to change.",
                      "这个课程链接固定了 {n} 项设置；其余设置可以自由调节。"),
    "lesson.bad": ("This lesson link has a problem: {msg}", "这个课程链接有问题：{msg}"),
    "teacher.title": ("Teacher", "教师"),
    "teacher.broadcast": ("Show this run to every student", "向所有学生展示这个训练"),
    "teacher.stop_broadcast": ("Stop showing it", "停止展示"),
    "teacher.broadcasting": ("Every student's sidebar offers run {run} (read-only for them).",
                             "所有学生的侧边栏都会显示训练 {run}（对他们只读）。"),
    "teacher.hide": ("Settings to hide in the lesson link", "课程链接中隐藏的设置"),
    "teacher.link": ("Lesson link: the preset above, these settings hidden. Send it to the class.",
                     "课程链接：上面选择的预设，并隐藏这些设置。发给全班即可。"),
    "teacher.need_preset": ("Pick a preset above to make a lesson link.", "请先在上方选择一个预设，再生成课程链接。"),
    "side.teacher": ("Teacher mode", "教师模式"),
    "side.broadcast": ("Your teacher is showing run {run}.", "老师正在展示训练 {run}。"),
    "side.open_broadcast": ("Watch it", "观看"),
    "alarm.modes": ("**Mode collapse?** Modes covered fell from {best:g} (step {best_step:,}) to {now:g} (step "
                    "{step:,}).", "**可能出现模式崩溃：**覆盖的模式数从 {best:g}（第 {best_step:,} 步）降到 {now:g}（第 {step:,} 步）。"),
    "alarm.classes": ("**Mode collapse?** The spread of generated classes fell: class entropy {best:.2f} bits (step "
                      "{best_step:,}) -> {now:.2f} bits (step {step:,}).",
                      "**可能出现模式崩溃：**生成样本的类别分布变窄：类别熵从 {best:.2f} 比特（第 {best_step:,} 步）降到 "
                      "{now:.2f} 比特（第 {step:,} 步）。"),
    "alarm.lost": ("Vanished since then: {lost}.", "此后消失的：{lost}。"),
    "alarm.try": ("What to try: a lower generator learning rate; the WGAN-GP loss; minibatch standard deviation in D; "
                  "more D steps per G step (all live knobs, except minibatch std: start a new run for it).",
                  "可以尝试：降低生成器学习率；改用 WGAN-GP 损失；在判别器中加入小批量标准差；每次生成器更新前多更新几次判别器"
                  "（除小批量标准差需新建训练外，都可在训练中调节）。"),
    "quality.points": ("Quality at step {step:,}: {parts}", "第 {step:,} 步的质量：{parts}"),
    "quality.modes": ("modes covered {v:g}/{n}", "覆盖模式 {v:g}/{n}"),
    "quality.hq": ("high quality {v:.0%}", "高质量样本 {v:.0%}"),
    "quality.js": ("JS {v:.3f} bits", "JS 散度 {v:.3f} 比特"),
    "quality.fid": ("FID {v:.1f}", "FID {v:.1f}"),
    "quality.classes": ("classes {v:g}", "类别 {v:g}"),
    "quality.entropy": ("class entropy {v:.2f} bits", "类别熵 {v:.2f} 比特"),
    "quality.precision": ("precision {v:.2f}", "精确率 {v:.2f}"),
    "quality.mode": ("mode", "模式"),
    "quality.recall": ("recall {v:.2f}", "召回率 {v:.2f}"),
    "quality.help": ("Measured every eval_every steps in a second thread (definitions: README, Quality). Loss curves "
                     "do not say whether a GAN is good; these do.",
                     "每 eval_every 步在另一个线程中计算（定义见 README 的 Quality 部分）。损失曲线不能说明 GAN 好不好，这些指标可以。"),
    "train.samples": ("Generated samples (fixed noise)", "生成样本（固定噪声）"),
    "train.samples_cap": ("The same 64 noise vectors every time: watch each sample being refined.",
                          "每次使用同样的 64 个噪声向量：观察每个样本如何逐渐变好。"),
    "train.plane": ("Data and generator on one plane", "同一平面上的数据与生成器"),
    "train.at_step": ("step {n:,}", "第 {n:,} 步"),
    "train.curves_cap": ("Drag to zoom into a stretch of steps; double-click to see them all again.",
                         "拖动鼠标放大一段迭代；双击恢复显示全部。"),
    "train.plane_cap": ("Green: real points. Purple: generated points. Background: D's verdict (green = real, "
                        "purple = fake). Arrows: where the generator's gradient pushes each fake.",
                        "绿色：真实样本。紫色：生成样本。背景：判别器的判断（绿 = 真，紫 = 假）。"
                        "箭头：生成器的梯度把每个生成样本推向的方向。"),
    "train.scrub": ("Go back in time (step)", "回到过去（迭代）"),
    "train.scrub_help": ("Earlier snapshots of this run; the rightmost is the newest.",
                         "这个训练较早的快照；最右边是最新的。"),
    "train.follow": ("Follow the newest", "跟随最新"),
    "train.no_view": ("Samples appear after the first snapshot.", "第一次快照后会显示样本。"),
    "train.downloads": ("Downloads", "下载"),
    "dl.metrics": ("Metrics (CSV)", "指标（CSV）"), "dl.config": ("Config (JSON)", "配置（JSON）"),
    "dl.samples": ("Sample grid (PNG)", "样本网格（PNG）"), "dl.points": ("Generated points (CSV)", "生成的点（CSV）"),
    "dl.checkpoint": ("Checkpoint (.pt)", "检查点（.pt）"),
    "train.disk_run": ("This run is on disk, not training in this server: read-only.",
                       "这个训练只保存在磁盘上，没有在本服务器中运行：只读。"),
    "train.resume_disk": ("Resume from its checkpoint", "从检查点继续训练"),
    "train.no_checkpoint": ("It has no checkpoint, so it cannot be resumed.", "它没有检查点，无法继续训练。"),
    "train.curves": ("Losses", "损失"),
    # ---- knob groups ---------------------------------------------------------------------------
    "group.data": ("Data", "数据"), "group.networks": ("Networks", "网络"), "group.objective": ("Objective", "目标函数"),
    "group.optimisers": ("Optimisers", "优化器"), "group.tricks": ("Stability tricks", "稳定训练的技巧"),
    "group.run": ("Budget and logging", "预算与记录"),
    # ---- knobs: label, help ----------------------------------------------------------------------
    "knob.dataset": ("Dataset", "数据集"),
    "help.dataset": ("What the generator must learn to imitate; 2-D sets show data and generator on one plane.",
                     "生成器要学会模仿的数据；二维数据集会把数据和生成器画在同一平面上。"),
    "knob.n_points": ("Number of points", "点的数量"),
    "help.n_points": ("How many real 2-D points are drawn from the toy distribution.", "从玩具分布中抽取多少个真实二维点。"),
    "knob.data_root": ("Data file or folder", "数据文件或文件夹"),
    "help.data_root": ("Your own data: a CSV of 2-D points or an image folder (use the 'Your own data' page).",
                       "你自己的数据：二维点的 CSV 或图片文件夹（请用“自己的数据”页面）。"),
    "knob.model": ("Architecture", "网络结构"),
    "help.model": ("mlp: fully connected layers; dcgan: transposed convolutions, for images only.",
                   "mlp：全连接层；dcgan：转置卷积，只用于图像。"),
    "knob.latent_dim": ("Noise size (latent dim)", "噪声维度（潜在向量）"),
    "help.latent_dim": ("Length of the random noise vector z the generator turns into a sample.",
                        "生成器把长度为此值的随机噪声 z 变成一个样本。"),
    "knob.g_hidden": ("Generator layers", "生成器隐藏层"),
    "help.g_hidden": ("Widths of G's hidden layers, e.g. 128,128: more units, more capacity.",
                      "生成器各隐藏层的宽度，例如 128,128：单元越多，能力越强。"),
    "knob.d_hidden": ("Discriminator layers", "判别器隐藏层"),
    "help.d_hidden": ("Widths of D's hidden layers, e.g. 128,128.", "判别器各隐藏层的宽度，例如 128,128。"),
    "knob.activation": ("Activation", "激活函数"),
    "help.activation": ("The non-linearity between layers; leaky_relu keeps a small gradient for negative inputs.",
                        "层之间的非线性函数；leaky_relu 在负输入时仍保留小梯度。"),
    "knob.d_feature_dim": ("D feature units", "判别器特征单元"),
    "help.d_feature_dim": ("Size of D's last hidden layer; 2 makes its feature space a plane you can plot (0 = off).",
                           "判别器最后一个隐藏层的大小；设为 2 可以画出它的特征空间（0 = 关闭）。"),
    "knob.dcgan_width": ("DCGAN width", "DCGAN 通道数"),
    "help.dcgan_width": ("Base number of convolution channels (64 in the paper, 32 trains faster on a laptop).",
                         "卷积的基础通道数（论文中为 64，笔记本上 32 更快）。"),
    "knob.batchnorm_g": ("Batch norm in G", "生成器批归一化"),
    "help.batchnorm_g": ("Normalise G's hidden activations per batch; DCGAN relies on it.", "按批归一化生成器的隐藏层；DCGAN 依赖它。"),
    "knob.spectral_norm": ("Spectral norm in D", "判别器谱归一化"),
    "help.spectral_norm": ("Limit how steeply D can change (Lipschitz constraint): a strong stabiliser.",
                           "限制判别器变化的陡峭程度（利普希茨约束）：很有效的稳定方法。"),
    "knob.minibatch_std": ("Minibatch statistics", "小批量统计"),
    "help.minibatch_std": ("Let D see how varied a batch is; a collapsed generator becomes easy to spot.",
                           "让判别器看到一批样本的多样性；模式崩溃的生成器很容易被识破。"),
    "knob.conditional": ("Conditional (use labels)", "条件 GAN（使用标签）"),
    "help.conditional": ("Feed the class label to G and D so you can ask for a given class.",
                         "把类别标签输入生成器和判别器，从而可以指定生成哪一类。"),
    "knob.loss": ("Loss function", "损失函数"),
    "help.loss": ("minimax: the original log(1 - D(G(z))), saturates; nonsaturating: -log D(G(z)); wgan/wgan_gp: "
                  "Wasserstein critic; hinge; lsgan: least squares.",
                  "minimax：原始的 log(1 − D(G(z)))，会饱和；nonsaturating：−log D(G(z))；wgan/wgan_gp："
                  "Wasserstein 评判器；hinge；lsgan：最小二乘。"),
    "knob.label_smoothing": ("Label smoothing", "标签平滑"),
    "help.label_smoothing": ("Real targets become 1 - this value, so D is never fully sure (one-sided).",
                             "真实样本的目标变成 1 − 该值，判别器不会过分自信（单侧）。"),
    "knob.instance_noise": ("Instance noise", "实例噪声"),
    "help.instance_noise": ("Gaussian noise added to D's inputs blurs real and fake so D cannot win too fast.",
                            "给判别器输入加高斯噪声，模糊真假，判别器不会赢得太快。"),
    "knob.gp_weight": ("Gradient penalty weight", "梯度惩罚权重"),
    "help.gp_weight": ("WGAN-GP: how strongly D's gradient norm is pulled to 1.", "WGAN-GP：把判别器梯度范数拉向 1 的力度。"),
    "knob.clip_value": ("Weight clipping", "权重裁剪"),
    "help.clip_value": ("WGAN: D's weights are clipped to [-c, c] after each update.", "WGAN：每次更新后判别器权重被裁剪到 [−c, c]。"),
    "knob.optimizer_g": ("Optimizer of G", "生成器优化器"),
    "help.optimizer_g": ("How G's weights follow their gradients: adam, rmsprop or plain sgd.",
                         "生成器权重如何沿梯度更新：adam、rmsprop 或普通 sgd。"),
    "knob.optimizer_d": ("Optimizer of D", "判别器优化器"),
    "help.optimizer_d": ("How D's weights follow their gradients.", "判别器权重如何沿梯度更新。"),
    "knob.lr_g": ("Learning rate of G", "生成器学习率"),
    "help.lr_g": ("Size of each generator update: too high and it overshoots or collapses to a few modes.",
                  "生成器每次更新的步长：太大会越过目标或塌缩到少数模式。"),
    "knob.lr_d": ("Learning rate of D", "判别器学习率"),
    "help.lr_d": ("Size of each discriminator update: a D that learns too fast leaves G no gradient.",
                  "判别器每次更新的步长：判别器学得太快，生成器就得不到梯度。"),
    "knob.beta1": ("Adam beta1", "Adam beta1"),
    "help.beta1": ("Momentum of Adam; GANs use 0.5 rather than 0.9 to react faster.", "Adam 的动量；GAN 常用 0.5 而不是 0.9，反应更快。"),
    "knob.beta2": ("Adam beta2", "Adam beta2"),
    "help.beta2": ("How long Adam remembers gradient sizes.", "Adam 记住梯度大小的时间长短。"),
    "knob.momentum": ("Momentum (SGD, RMSprop)", "动量（SGD、RMSprop）"),
    "help.momentum": ("Keeps part of the previous update; 0 = none.", "保留上一次更新的一部分；0 = 不保留。"),
    "knob.lr_decay": ("Learning-rate decay", "学习率衰减"),
    "help.lr_decay": ("Both learning rates are multiplied by this every 1000 steps (1 = constant).",
                      "每 1000 次迭代两个学习率都乘以该值（1 = 不变）。"),
    "knob.d_steps": ("D updates per step", "每步判别器更新次数"),
    "help.d_steps": ("Train D this many times for each G update: the D:G ratio (WGAN uses 5).",
                     "每更新一次生成器，判别器更新的次数：判别器与生成器更新比（WGAN 用 5）。"),
    "knob.g_steps": ("G updates per step", "每步生成器更新次数"),
    "help.g_steps": ("Generator updates per iteration.", "每次迭代中生成器的更新次数。"),
    "knob.batch_size": ("Batch size", "批量大小"),
    "help.batch_size": ("Samples per update: larger is smoother but each step costs more.", "每次更新的样本数：越大越平稳，但每步更慢。"),
    "knob.grad_clip": ("Gradient clipping", "梯度裁剪"),
    "help.grad_clip": ("Cap the total gradient norm of each network (0 = off): stops explosive updates.",
                       "限制每个网络的总梯度范数（0 = 关闭）：防止更新爆炸。"),
    "knob.weight_decay": ("L2 weight decay", "L2 权重衰减"),
    "help.weight_decay": ("Regularisation that pulls weights towards zero.", "把权重拉向零的正则化。"),
    "knob.dropout_d": ("Dropout in D", "判别器 Dropout"),
    "help.dropout_d": ("Randomly silence a share of D's units while training, so D cannot memorise.",
                       "训练时随机关闭判别器的一部分单元（随机失活），防止它死记硬背。"),
    "knob.ema": ("EMA of G's weights", "生成器权重 EMA"),
    "help.ema": ("Samples come from a moving average of G's weights (e.g. 0.999): smoother results (0 = off).",
                 "样本来自生成器权重的滑动平均（如 0.999）：结果更平滑（0 = 关闭）。"),
    "knob.seed": ("Random seed", "随机种子"),
    "help.seed": ("The same seed and settings give the same run.", "相同的种子和设置得到相同的训练。"),
    "knob.max_steps": ("Step budget", "迭代预算"),
    "help.max_steps": ("Stop after this many iterations (0 = until you press Stop).", "到这么多次迭代后停止（0 = 直到按“停止”）。"),
    "knob.max_seconds": ("Time budget (s)", "时间预算（秒）"),
    "help.max_seconds": ("Stop after this many seconds (0 = no limit).", "训练这么多秒后停止（0 = 不限）。"),
    "knob.log_every": ("Log every", "记录间隔"),
    "help.log_every": ("Record the losses every this many steps.", "每隔多少次迭代记录一次损失。"),
    "knob.snapshot_every": ("Snapshot every", "快照间隔"),
    "help.snapshot_every": ("Draw new samples every this many steps.", "每隔多少次迭代画一次新样本。"),
    # ---- curves --------------------------------------------------------------------------------
    "curves.loss": ("Loss", "损失"), "curves.dout": ("D's output", "判别器输出"),
    "curves.grad": ("Gradient norm", "梯度范数"), "curves.lr": ("Learning rate", "学习率"),
    "curves.step": ("iteration", "迭代"),
    "curves.compare": ("Compare with other runs", "与其他训练比较"),
    "curves.compare_help": ("Overlay the curves of other runs (dashed) on the selected one.", "把其他训练的曲线（虚线）叠加到所选训练上。"),
    "curves.smooth": ("Smoothing (EMA)", "平滑（EMA）"),
    "curves.smooth_help": ("Exponential moving average of each curve; 0 shows the raw values.", "每条曲线的指数滑动平均；0 显示原始值。"),
    "curves.log": ("Log scale", "对数坐标"),
    "curves.log_help": ("Logarithmic y axis: useful for gradient norms and learning rates.", "对数纵轴：适合梯度范数和学习率。"),
    "curves.window": ("Last steps shown", "显示最近的迭代数"),
    "curves.window_help": ("Only the most recent iterations (0 = the whole run).", "只显示最近的迭代（0 = 整个训练）。"),
    "curves.all": ("all", "全部"),
    "curves.pause": ("Pause updates", "暂停刷新"),
    "curves.pause_help": ("Freeze the charts (training goes on). Zooming keeps working while they update.",
                          "冻结图表（训练继续）。图表刷新时缩放也会保留。"),
    "train.no_curves": ("This run has no curves yet (a run opened from a checkpoint starts without them): Resume "
                        "draws them from here on.", "这个训练还没有曲线（从检查点打开的训练没有曲线）：“从检查点继续训练”"
                        "之后会从这里开始画出。"),
    "curves.empty": ("No points yet: the first ones appear after {n} steps.", "还没有数据点：{n} 次迭代后出现第一个。"),
    "curves.markers": ("Vertical lines mark hyperparameter changes.", "竖线标出超参数的修改。"),
    # ---- own data ------------------------------------------------------------------------------
    "own.intro": ("Draw a 2-D distribution with the mouse, or upload a CSV of points, then train a GAN on it.",
                  "用鼠标画出一个二维分布，或者上传点的 CSV 文件，然后在上面训练 GAN。"),
    "own.clear": ("Clear", "清除"),
    "own.draw": ("Draw", "绘制"), "own.upload": ("Upload CSV", "上传 CSV"),
    "own.draw_help": ("Drag to spray points; each stroke adds a cloud. Clear starts over.",
                      "拖动鼠标喷洒点；每一笔添加一团点。“清除”重新开始。"),
    "own.n_drawn": ("{n} points drawn.", "已画 {n} 个点。"),
    "own.file": ("CSV file with two numeric columns (x, y)", "含两列数字（x, y）的 CSV 文件"),
    "own.file_help": ("At most {mb} MB and {n} points; one header row is allowed.", "最多 {mb} MB、{n} 个点；允许一行表头。"),
    "own.train": ("Train on these points", "用这些点训练"),
    "own.too_few": ("Draw or upload at least {n} points first.", "请先画出或上传至少 {n} 个点。"),
    "own.saved": ("Saved {n} points to {path}.", "已把 {n} 个点保存到 {path}。"),
    "own.preview": ("Your data", "你的数据"),
    "own.bad_file": ("That file cannot be used: {msg}", "该文件无法使用：{msg}"),
    "own.images": ("Upload images", "上传图像"),
    "own.images_file": ("Image files, a .zip of a folder, or an .npz with x (and y)",
                        "图像文件、一个文件夹的 .zip，或含 x（和 y）的 .npz"),
    "own.images_help": ("At most {mb} MB in one upload. A .zip with one subfolder per class gives labelled data "
                        "(for conditional GANs). Images become 28x28 if all are, else 32x32; gray if all are gray.",
                        "一次最多上传 {mb} MB。每个类别一个子文件夹的 .zip 会得到带标签的数据（可用于条件 GAN）。"
                        "若全部图像都是 28x28 则保持 28x28，否则缩放为 32x32；全部为灰度图时保持灰度。"),
    "own.train_images": ("Train on these images", "用这些图像训练"),
    "own.images_saved": ("Saved {n:,} images ({size}x{size}, {colour}{classes}) as {path}.",
                         "已保存 {n:,} 张图像（{size}x{size}，{colour}{classes}），位置 {path}。"),
    "own.gray": ("gray", "灰度"), "own.colour": ("colour", "彩色"),
    "own.classes": (", {n} classes: {names}", "，{n} 个类别：{names}"),
    # ---- opening files on the Train page --------------------------------------------------------
    "open.label": ("Open a config (.json) or checkpoint (.pt)", "打开配置（.json）或检查点（.pt）"),
    "open.help": ("As the Downloads section saves them; at most {mb} MB. A config fills the form below; a checkpoint "
                  "becomes a stopped run that every page can inspect and Resume trains on. Checkpoints are loaded "
                  "without running any code in them (weights only).",
                  "即“下载”部分保存的文件；最多 {mb} MB。配置会填入下面的表单；检查点会成为一个已停止的训练，"
                  "每个页面都可以查看它，“继续训练”可以接着训练。加载检查点时不会执行其中的任何代码（只读取权重）。"),
    "open.config": ("Loaded the settings of {name} into the form.", "已把 {name} 的设置载入表单。"),
    "open.checkpoint": ("Opened {name} as run {run} at step {step:,}.", "已把 {name} 打开为训练 {run}（第 {step:,} 步）。"),
    "open.bad": ("This file cannot be opened: {msg}", "无法打开此文件：{msg}"),
    # ---- slow motion ---------------------------------------------------------------------------
    "step.intro": ("One real training iteration, cut into its sub-steps: first the discriminator learns, then the "
                   "generator. Press Next to walk through it.",
                   "把一次真实的训练迭代拆成若干小步：先训练判别器，再训练生成器。按“下一步”逐步查看。"),
    "step.images_only": ("Slow motion works on 2-D data only: choose a 2-D run or a 2-D dataset on the Train page.",
                         "慢动作只适用于二维数据：请选择二维的训练，或在“训练”页选择二维数据集。"),
    "step.source": ("Starting from: {what}", "起点：{what}"),
    "step.from_run": ("the latest state of run {run}", "训练 {run} 的最新状态"),
    "step.from_form": ("fresh models with the Train page's settings ({dataset})", "用“训练”页设置新建的模型（{dataset}）"),
    "step.iterate": ("Run one iteration in slow motion", "慢动作运行一次迭代"),
    "step.reset": ("Start over", "重新开始"),
    "step.prev": ("Back", "上一步"), "step.next": ("Next", "下一步"),
    "step.stage": ("Sub-step", "小步"),
    "step.iteration": ("Iteration {n} (the model has now done {n} real iterations).",
                       "第 {n} 次迭代（模型已完成 {n} 次真实迭代）。"),
    "step.press": ("Press the button to run one iteration.", "按按钮运行一次迭代。"),
    "stage.noise": ("1 · Noise sampled", "1 · 采样噪声"),
    "stage.noise.text": ("The generator starts from random noise: {n} vectors z drawn from a standard normal "
                         "distribution (the first two coordinates are shown).",
                         "生成器从随机噪声出发：从标准正态分布中抽取 {n} 个潜在向量 z（图中显示前两个坐标）。"),
    "stage.fakes": ("2 · Fakes generated", "2 · 生成假样本"),
    "stage.fakes.text": ("G turns each z into a point G(z). Purple: these fakes; green: a batch of real points.",
                         "生成器把每个 z 变成一个点 G(z)。紫色：生成样本；绿色：一批真实样本。"),
    "stage.d_scores": ("3 · D scores real and fake", "3 · 判别器给真假样本打分"),
    "stage.d_scores.text": ("D gives every point a score; the background shows its verdict everywhere. On average "
                            "D(x) = {d_real:.3f} on real points and D(G(z)) = {d_fake:.3f} on fakes.",
                            "判别器给每个点打分；背景显示它在各处的判断。平均来看，真实样本 D(x) = {d_real:.3f}，"
                            "生成样本 D(G(z)) = {d_fake:.3f}。"),
    "stage.d_loss": ("4 · D's loss", "4 · 判别器损失"),
    "stage.d_loss.text": ("The {loss} loss measures how wrong D is: it is low when real points get high scores "
                          "and fakes low ones. Here loss_D = {loss_d:.4f}.",
                          "{loss} 损失衡量判别器错得有多厉害：真实样本得分高、生成样本得分低时损失就小。"
                          "此处 loss_D = {loss_d:.4f}。"),
    "stage.d_gradients": ("5 · D's gradients", "5 · 判别器的梯度"),
    "stage.d_gradients.text": ("Backpropagation gives the gradient of loss_D for every weight of D (total norm "
                               "{grad_norm_d:.3f}). The background shows how the step will change D's score: green "
                               "where it rises (towards real points), purple where it falls (towards fakes).",
                               "反向传播算出 loss_D 对判别器每个权重的梯度（总范数 {grad_norm_d:.3f}）。背景显示这一步"
                               "将如何改变判别器的分数：绿色处升高（靠近真实样本），紫色处降低（靠近生成样本）。"),
    "stage.d_update": ("6 · D updated", "6 · 更新判别器"),
    "stage.d_update.text": ("The optimiser moves D's weights one step. D's new verdict: D(x) = {d_real_after:.3f}, "
                            "D(G(z)) = {d_fake_after:.3f}. The points have not moved: only D changed.",
                            "优化器把判别器的权重移动一步。新的判断：D(x) = {d_real_after:.3f}，"
                            "D(G(z)) = {d_fake_after:.3f}。点没有移动：只有判别器变了。"),
    "stage.g_scores": ("7 · G asks the new D", "7 · 生成器询问新的判别器"),
    "stage.g_scores.text": ("Now the generator's turn. The same fakes are scored by the updated D: "
                            "D(G(z)) = {d_fake_after:.3f}.",
                            "轮到生成器。同样的生成样本由更新后的判别器打分：D(G(z)) = {d_fake_after:.3f}。"),
    "stage.g_loss": ("8 · G's loss", "8 · 生成器损失"),
    "stage.g_loss.text": ("G's {loss} loss is low when D takes the fakes for real: loss_G = {loss_g:.4f}.",
                          "当判别器把生成样本当成真的时，生成器的 {loss} 损失就小：loss_G = {loss_g:.4f}。"),
    "stage.g_gradients": ("9 · G's gradients", "9 · 生成器的梯度"),
    "stage.g_gradients.text": ("The gradient flows back through D into each fake point (arrows: the direction that "
                               "lowers loss_G) and on into G's weights (total norm {grad_norm_g:.3f}).",
                               "梯度穿过判别器流回每个生成点（箭头：降低 loss_G 的方向），再流入生成器的权重"
                               "（总范数 {grad_norm_g:.3f}）。"),
    "stage.g_update": ("10 · G updated", "10 · 更新生成器"),
    "stage.g_update.text": ("The optimiser moves G's weights; the same noise now lands at new places (grey: before, "
                            "purple: after, mean move {moved:.4f}). The real points never move.",
                            "优化器移动生成器的权重；同样的噪声现在落到新的位置（灰色：之前，紫色：之后，"
                            "平均移动 {moved:.4f}）。真实样本从不移动。"),
    # ---- plot labels ---------------------------------------------------------------------------
    "plot.real": ("real", "真实样本"), "plot.fake": ("fake", "生成样本"), "plot.before": ("before", "之前"),
    "plot.d_logit": ("D's logit", "判别器 logit"), "plot.change": ("change of D's score", "判别器分数的变化"),
    "plot.grad": ("gradient", "梯度"), "plot.noise": ("noise z", "噪声 z"),
    "plot.update": ("change", "修改"),
    # ---- inspection pages: discriminator's feature space, latent space (inspect helper) ------------
    "page.disc": ("Discriminator's features", "判别器的特征空间"),
    "page.latent": ("Latent space", "潜在空间"),
    "disc.intro": ("D's last hidden layer is where each sample has become a few numbers, just before D's verdict. "
                   "Here you see real and generated samples in that feature space, what one update does to them, "
                   "and what D outputs.",
                   "判别器最后一个隐藏层把每个样本变成几个数字，紧接着就是它的判断。这里可以看到真实样本和生成样本在这个"
                   "特征空间中的位置、一次更新对它们的影响，以及判别器的输出。"),
    "disc.notice": ("Notice:", "注意："),
    "disc.no_model": ("This run has no model yet: start it on the Train page and wait for its first snapshot.",
                      "这个训练还没有模型：请在“训练”页开始训练，并等待第一个快照。"),
    "disc.not_gan": ("This run is not a GAN (it belongs to another lesson): pick a GAN run in the sidebar.",
                     "这个训练不是 GAN（属于其他课程）：请在侧边栏选择一个 GAN 训练。"),
    "disc.space": ("Feature space over training", "训练过程中的特征空间"),
    "disc.history": ("Training step shown", "显示的训练步数"),
    "disc.history_help": ("Walk through the run's snapshots. The slider follows the newest one until you move it back.",
                          "浏览训练过程中的快照。在你把滑块往回拖之前，它会一直跟随最新的快照。"),
    "disc.history_disk": ("This run is on disk: its last checkpoint (step {step:,}) is shown. Runs trained in this "
                          "dashboard keep a history of snapshots to walk through.",
                          "这个训练已保存在磁盘上：显示的是最后一个检查点（第 {step:,} 步）。"
                          "在本仪表盘中训练的运行会保留可浏览的快照历史。"),
    "disc.unit": ("feature {k}", "特征 {k}"), "disc.pc": ("principal axis {k}", "主成分 {k}"),
    "disc.c_real": ("centroid of real", "真实样本形心"), "disc.c_fake": ("centroid of fake", "生成样本形心"),
    "disc.was": ("centroid before", "更新前的形心"),
    "disc.arrows": ("arrows ×{k} (the moves are small)", "箭头放大 {k} 倍（移动很小）"),
    "disc.probe": ("Linear-probe accuracy", "线性探针准确率"),
    "disc.probe_help": ("A linear classifier fitted on half of these features, tested on the other half: 100% = a "
                        "straight line separates real from fake, 50% = chance, they are mixed.",
                        "在一半特征上拟合线性分类器，在另一半上测试：100% = 一条直线就能分开真实与生成样本，"
                        "50% = 随机猜测，二者已混在一起。"),
    "disc.chance": ("chance", "随机水平"),
    "disc.gap": ("Centroid distance", "形心距离"),
    "disc.gap_help": ("Distance between the mean feature of real and of generated samples.",
                      "真实样本与生成样本平均特征之间的距离。"),
    "disc.wide": ("D's last hidden layer has {f} units: shown on its two principal axes (PCA fitted on real and "
                  "fake features together; real on the right).",
                  "判别器最后一个隐藏层有 {f} 个单元：投影到两个主成分上显示（主成分分析同时拟合真实与生成样本的"
                  "特征；真实样本在右侧）。"),
    "disc.space_2d": ("with a 2-unit layer this is exactly what D sees. Early on the two clouds lie apart and a line "
                      "separates them; as training converges they drift together and their centroids meet. Move "
                      "the slider back to an early step to compare.",
                      "最后一层只有 2 个单元时，这正是判别器所“看到”的。训练初期两团点相距较远，一条直线就能分开；"
                      "随着训练收敛，它们逐渐靠拢，形心相遇。把滑块拖回早期的步数对比一下。"),
    "disc.space_pca": ("the two clouds start apart and mix as G improves; the probe accuracy falls towards 50% as D "
                       "runs out of features that tell real from fake.",
                       "两团点起初分开，随着生成器变好而混合；"
                       "当判别器再也找不到区分真假的特征时，探针准确率降向 50%。"),
    "disc.output": ("D's output", "判别器的输出"),
    "disc.output_text": ("D(x) is D's probability that a sample is real. While D wins, real samples pile up near 1 and "
                         "fakes near 0; at equilibrium both histograms gather around 0.5.",
                         "D(x) 是判别器认为样本为真的概率。判别器占上风时，真实样本堆在 1 附近，生成样本堆在 0 附近；"
                         "到达平衡点时，两个直方图都聚集在 0.5 附近。"),
    "disc.output_critic": ("With a Wasserstein-type loss D is a critic: its score is not a probability. What matters "
                           "is the gap between the two histograms, which shrinks as G improves.",
                           "使用 Wasserstein 类损失时判别器是评论家（critic）：它的分数不是概率。重要的是两个直方图"
                           "之间的差距，生成器越好，差距越小。"),
    "disc.surface_text": ("the background is D's verdict over the plane (green = real, purple = fake). G moves its "
                          "points towards green; D then redraws the border.",
                          "背景是判别器在整个平面上的判断（绿 = 真，紫 = 假）。生成器把它的点推向绿色区域，判别器随后"
                          "重新划定边界。"),
    "disc.score": ("critic score", "评论家分数"), "disc.count": ("samples", "样本数"),
    "disc.update": ("One update, before and after", "一次更新的前后对比"),
    "disc.update_intro": ("The same 256 real samples and the same 256 noise vectors z, seen by D before and after "
                          "the update. The update runs on a private copy of the model: the run itself is not changed.",
                          "同样的 256 个真实样本和同样的 256 个噪声向量 z，在更新前后由判别器观察。更新在模型的私有"
                          "副本上进行：训练本身不受影响。"),
    "disc.part": ("Update", "更新"),
    "disc.part_g": ("generator", "生成器"), "disc.part_d": ("discriminator", "判别器"),
    "disc.n_updates": ("Number of updates", "更新次数"),
    "disc.n_updates_help": ("One update is the lesson; several make a small move visible.",
                            "课上讲的是一次更新；多次更新能让微小的移动看得更清楚。"),
    "disc.again": ("Newest model", "最新模型"),
    "disc.again_help": ("Take the run's model as it is now and repeat the experiment.",
                        "取训练当前的模型，重做这个实验。"),
    "disc.before": ("Before", "更新前"),
    "disc.after": ("After {n} {who} update(s): arrows show how the centroids moved",
                   "{who}更新 {n} 次之后：箭头表示形心的移动"),
    "disc.update_at": ("Model at step {step:,}.", "模型来自第 {step:,} 步。"),
    "disc.numbers": ("Real features moved by at most **{real:.3g}**; the fake centroid moved by **{fake:.3g}**; "
                     "distance between the centroids **{before:.4f} → {after:.4f}**.",
                     "真实样本的特征最多移动了 **{real:.3g}**；生成样本形心移动了 **{fake:.3g}**；"
                     "两个形心的距离 **{before:.4f} → {after:.4f}**。"),
    "disc.update_g_text": ("a generator update changes only G, so the real features stay exactly where they were "
                           "(moved by 0). The fake cloud moves, and while the clouds are apart its centroid moves "
                           "towards the real one: G learns to make its samples look, to D, like real ones. Near "
                           "equilibrium the centroids already meet and the small moves go either way.",
                           "生成器更新只改变生成器，所以真实样本的特征纹丝不动（移动为 0）。生成样本这团点在移动；"
                           "两团点还分开时，它的形心朝真实样本的形心靠近：生成器在学习让自己的样本在判别器眼中像真的。"
                           "接近平衡点时两个形心已经相遇，微小的移动方向不定。"),
    "disc.update_d_text": ("a discriminator update changes D's features themselves, so both clouds move: D reshapes "
                           "its feature space to tell real from fake better.",
                           "判别器更新改变的是特征本身，所以两团点都会移动：判别器重塑它的特征空间，以便更好地区分"
                           "真假。"),
    "lat.intro": ("The generator maps each latent vector z to a sample. Walk through that latent space: a batch of "
                  "samples, paths between two of them, single coordinates, and (for 2-D data) the whole map.",
                  "生成器把每个潜在向量 z 映射成一个样本。在潜在空间里走一走：一批样本、两个样本之间的路径、"
                  "单个坐标，以及（二维数据的）整张映射图。"),
    "lat.model_step": ("Model in use: step **{step:,}**", "正在使用的模型：第 **{step:,}** 步"),
    "lat.run_at": ("the run is at step {now:,}", "训练已到第 {now:,} 步"),
    "lat.refresh": ("Newest model", "最新模型"),
    "lat.refresh_help": ("This page keeps one copy of the generator so the pictures change only when you move "
                         "something; take the run's newest one.",
                         "本页保留生成器的一个副本，只有你操作时画面才会变化；点这里取训练中最新的生成器。"),
    "lat.class": ("Class", "类别"),
    "lat.class_help": ("A conditional generator draws the class you ask for.", "条件生成器会画出你指定的类别。"),
    "lat.grid": ("Samples from one latent batch", "同一批潜在向量生成的样本"),
    "lat.new_batch": ("New batch", "换一批"), "lat.batch_seed": ("batch #{seed}", "第 {seed} 批"),
    "lat.sample": ("sample", "样本"), "lat.click": ("click to pick", "点击选中"),
    "lat.grid_text": ("every sample is G(z) for one random z. Click a sample to make it end **A** of the "
                      "interpolation, click another for end **B**.",
                      "每个样本都是一个随机 z 的 G(z)。点击一个样本作为插值的端点 **A**，再点击另一个作为端点 **B**。"),
    "lat.interp": ("Interpolation between two latent points", "两个潜在向量之间的插值"),
    "lat.a": ("End A", "端点 A"), "lat.b": ("End B", "端点 B"), "lat.random": ("Random pair", "随机选两个"),
    "lat.frames": ("Frames", "帧数"), "lat.mode": ("Animation path", "动画路径"),
    "lat.lerp": ("linear (lerp)", "线性插值 (lerp)"), "lat.slerp": ("spherical (slerp)", "球面插值 (slerp)"),
    "lat.gif": ("Download GIF", "下载 GIF"), "lat.this": ("this z", "当前 z"),
    "lat.interp_text": ("a trained generator changes its samples smoothly along the path: no sudden jumps. A random "
                        "z lies near a sphere of radius √d; the straight line (lerp) cuts through its inside, where "
                        "the generator was hardly trained, while slerp stays on the sphere, so its middle frames "
                        "often look sharper.",
                        "训练好的生成器沿着路径平滑地改变样本：没有突变。随机 z 分布在半径约为 √d 的球面附近；"
                        "直线（lerp）穿过球的内部，生成器在那里几乎没有训练过，而球面插值（slerp）始终留在球面上，"
                        "所以中间几帧往往更清晰。"),
    "lat.sliders": ("Move one latent point", "移动一个潜在向量"),
    "lat.sliders_text": ("these are the first {dims} of the {d} coordinates of end A. Some coordinates change the "
                         "sample a lot, others hardly at all: the generator does not use every direction equally.",
                         "这些是端点 A 的 {d} 个坐标中的前 {dims} 个。有的坐标会大幅改变样本，有的几乎不变："
                         "生成器并不平等地使用每一个方向。"),
    "lat.cond": ("Class × noise", "类别 × 噪声"),
    "lat.cond_text": ("each row is one class, each column one noise vector z shared by all rows. The label decides "
                      "what is drawn; z decides how (thickness, slant, style).",
                      "每一行是一个类别，每一列是所有行共用的一个噪声向量 z。标签决定画什么；z 决定怎么画（粗细、"
                      "倾斜、风格）。"),
    "lat.mesh": ("The generator's map of the latent plane", "生成器对潜在平面的映射"),
    "lat.rows": ("z₁ fixed", "固定 z₁"), "lat.cols": ("z₂ fixed", "固定 z₂"),
    "lat.mesh_text": ("a regular grid of z in [-2.5, 2.5]² pushed through G. Where the mesh is stretched, a small "
                      "step in z moves the sample far; where it folds onto the data, G has learned the data's shape.",
                      "把 [-2.5, 2.5]² 中规则的 z 网格送进生成器。网格被拉伸的地方，z 的一小步会让样本移动很远；"
                      "网格贴合数据的地方，说明生成器学到了数据的形状。"),
    "lat.mesh_text_1d": ("a 1-D latent line from z = -2.5 to 2.5 pushed through G, coloured by z: the generator "
                         "can only draw a curve, so it must lay that curve along the data.",
                         "把 z 从 -2.5 到 2.5 的一维潜在直线送进生成器，颜色表示 z：生成器只能画出一条曲线，"
                         "所以它必须把这条曲线铺到数据上。"),
    # ---- distribution shift and GAN augmentation pages (lessons 8 and 9; shift helper) --------------------
    "page.shift": ("Distribution shift", "分布偏移"),
    "page.augment": ("Augment", "数据增强"),
    "shift.intro": ("Train on one distribution, test on a shifted one. A classifier that never saw the shift loses "
                    "accuracy; a discriminator that tells training data from test data measures the shift "
                    "(adversarial validation); domain-adversarial training (DANN) puts that discriminator behind a "
                    "gradient-reversal layer so the classifier learns features that hide which domain an image came "
                    "from.",
                    "在一个分布上训练，在偏移后的分布上测试。没见过这种偏移的分类器准确率会下降；一个区分训练数据和"
                    "测试数据的判别器可以度量偏移（对抗验证）；域对抗训练（DANN）把这个判别器放在梯度反转层之后，"
                    "让分类器学到不暴露图像来自哪个域的特征。"),
    "shift.dataset": ("Dataset", "数据集"),
    "shift.shift": ("Shift", "偏移类型"),
    "shift.kind.rotate": ("rotation", "旋转"), "shift.kind.noise": ("added noise", "加噪声"),
    "shift.kind.blur": ("blur", "模糊"), "shift.kind.invert": ("inverted intensities", "反色"),
    "shift.kind.contrast": ("brightness and contrast", "亮度与对比度"),
    "shift.kind.dataset": ("the other digits set (MNIST ↔ scikit-learn)", "另一个数字数据集（MNIST ↔ scikit-learn）"),
    "shift.strength": ("Strength", "强度"),
    "shift.strength_help": ("0 = no shift, 1 = the strongest. Now: {what}.", "0 = 无偏移，1 = 最强。当前：{what}。"),
    "shift.what.rotate": ("rotated by {angle:.0f}°", "旋转 {angle:.0f}°"),
    "shift.what.noise": ("Gaussian noise of std {std:.2f}", "标准差为 {std:.2f} 的高斯噪声"),
    "shift.what.blur": ("Gaussian blur of {sigma:.1f} px", "{sigma:.1f} 像素的高斯模糊"),
    "shift.what.invert": ("{fraction:.0%} of the images inverted", "{fraction:.0%} 的图像反色"),
    "shift.what.contrast": ("contrast ×{contrast:.2f}, brightness +{brightness:.2f}",
                            "对比度 ×{contrast:.2f}，亮度 +{brightness:.2f}"),
    "shift.what.dataset": ("images of the other set, resized", "另一个数据集的图像，缩放到相同大小"),
    "shift.steps": ("Training steps", "训练步数"),
    "shift.steps_help": ("Each step updates the three networks once on one source and one target batch.",
                         "每一步用一批源域数据和一批目标域数据把三个网络各更新一次。"),
    "shift.settings": ("DANN settings", "DANN 设置"),
    "shift.domain_weight": ("Domain-loss weight λ", "域损失权重 λ"),
    "shift.domain_weight_help": ("How hard the features are pushed to hide the domain (the gradient reversal's λ "
                                 "once warmed up). 0 turns DANN into a second source-only classifier; too much "
                                 "and the features forget the classes.",
                                 "特征被推动去隐藏域信息的力度（预热后梯度反转层的 λ）。0 时 DANN 就变成第二个只用源域"
                                 "训练的分类器；太大则特征会忘掉类别。"),
    "shift.lr": ("Learning rate", "学习率"),
    "shift.lr_help": ("Adam's learning rate, for all three networks; changes a running run at once.",
                      "三个网络共用的 Adam 学习率；训练中修改会立即生效。"),
    "shift.start": ("Train", "开始训练"), "shift.stop": ("Stop", "停止"),
    "shift.preview": ("Source (training data, top) and target (shifted test data, bottom)",
                      "源域（训练数据，上）与目标域（偏移后的测试数据，下）"),
    "shift.source": ("source", "源域"), "shift.target": ("target", "目标域"),
    "shift.class": ("class", "类别"), "shift.accuracy": ("accuracy", "准确率"),
    "shift.no_run": ("Press Train: a source-only classifier, a domain discriminator and DANN train side by side "
                     "on the same batches, and the sections below fill in.",
                     "按“开始训练”：只用源域的分类器、域判别器和 DANN 在同样的批次上并排训练，下面各部分随之更新。"),
    "shift.status": ("Step {step:,} of {total:,} · {state}", "第 {step:,} / {total:,} 步 · {state}"),
    "shift.failed": ("The run stopped with an error: {msg}", "训练因错误停止：{msg}"),
    "shift.wait_view": ("The first pictures appear after {n} steps.", "{n} 步之后会出现第一批图。"),
    "shift.sec_classifier": ("1 · A classifier trained on the source", "1 · 在源域上训练的分类器"),
    "shift.classifier_text": ("Its accuracy on held-out source images and on the target images, per class. It "
                              "never saw a target image; the target labels are used only here, to measure.",
                              "它在留出的源域图像和目标域图像上的逐类准确率。它从没见过目标域图像；目标域的标签只在"
                              "这里用来度量。"),
    "shift.acc_source": ("Source accuracy", "源域准确率"), "shift.acc_target": ("Target accuracy", "目标域准确率"),
    "shift.cost": ("Lost to the shift", "偏移造成的损失"), "shift.points": ("{v:.1f} points", "{v:.1f} 个百分点"),
    "shift.cost_help": ("Source accuracy minus target accuracy of the source-only classifier, in points.",
                        "只用源域训练的分类器的源域准确率减去目标域准确率（百分点）。"),
    "shift.sec_av": ("2 · Adversarial validation: can a discriminator tell training from test data?",
                     "2 · 对抗验证：判别器能否区分训练数据和测试数据？"),
    "shift.auc": ("Domain AUC", "域 AUC"),
    "shift.auc_help": ("ROC AUC of the domain discriminator on held-out images: 0.5 = it cannot tell source from "
                       "target, 1.0 = it tells every image apart.",
                       "域判别器在留出图像上的 ROC AUC：0.5 = 无法区分源域和目标域，1.0 = 每张图都能分开。"),
    "shift.av_text": ("A second network learns to tell source images (label 0) from target images (label 1). If it "
                      "can, the test data come from another distribution than the training data, and its AUC says "
                      "how far apart they are. The source images it rates most target-like are the training "
                      "examples that resemble the test data best.",
                      "另一个网络学习区分源域图像（标签 0）和目标域图像（标签 1）。如果它能区分，说明测试数据与训练数据"
                      "来自不同的分布，AUC 表示两者相差多远。它认为最像目标域的源域图像，就是最接近测试数据的训练样本。"),
    "shift.target_like": ("Source images it finds most target-like", "它认为最像目标域的源域图像"),
    "shift.source_like": ("Target images it finds most source-like", "它认为最像源域的目标域图像"),
    "shift.sec_dann": ("3 · Domain-adversarial training (DANN)", "3 · 域对抗训练（DANN）"),
    "shift.dann_text": ("DANN trains the classifier on labelled source images and, at the same time, a domain head on "
                        "the features of source and unlabelled target images. Between them sits a gradient-reversal "
                        "layer: the head learns to tell the domains apart, the features receive the opposite gradient "
                        "and learn to hide the domain. Target labels are never used for training. Watch the dashed "
                        "red curve (DANN on the target) climb above the dashed blue one (source only on the target), "
                        "and the domain loss stay near ln 2, the value of a head that can only guess.",
                        "DANN 用有标签的源域图像训练分类器，同时在源域和无标签目标域图像的特征上训练一个域分类头。二者之间"
                        "是梯度反转层：域分类头学习区分两个域，特征得到相反的梯度，学习隐藏域信息。训练中从不使用目标域"
                        "标签。观察红色虚线（DANN 在目标域上）升到蓝色虚线（只用源域在目标域上）之上，域损失停留在 ln 2"
                        "附近——这是只能瞎猜的分类头的损失。"),
    "shift.dann_target": ("DANN on the target", "DANN 在目标域上"),
    "shift.dann_target_help": ("Target accuracy of DANN; the change is against the source-only classifier.",
                               "DANN 在目标域上的准确率；变化量是相对只用源域的分类器而言。"),
    "shift.proj_before": ("Features without adaptation (source-only classifier)", "不做域适应的特征（只用源域的分类器）"),
    "shift.proj_after": ("Features with DANN", "DANN 的特征"),
    "shift.probe": ("a linear probe tells the domains apart {acc:.0%} of the time (50% = not at all)",
                    "线性探针能以 {acc:.0%} 的准确率区分两个域（50% = 完全不能）"),
    "shift.proj_text": ("PCA of the last hidden layer for {n} source and {n} target test images, coloured by domain. "
                        "Without adaptation the domains tend to form separate clouds; DANN pushes them to overlap "
                        "where its own domain head looks. A fresh linear probe can often still tell them apart: DANN "
                        "only has to fool its domain head, one reason its gains are modest.",
                        "{n} 张源域和 {n} 张目标域测试图像最后一个隐藏层的 PCA，按域着色。不做域适应时两个域往往"
                        "形成分开的两团；DANN 在它自己的域分类头所看的方向上让两团重叠。一个新训练的线性探针常常仍能"
                        "把它们分开：DANN 只需骗过自己的域分类头，这也是它提升有限的原因之一。"),
    "shift.curves": ("Live curves", "实时曲线"),
    "shift.panel.acc": ("Test accuracy", "测试准确率"),
    "shift.panel.domain_loss": ("DANN's domain loss (dotted: ln 2, guessing)", "DANN 的域损失（点线：ln 2，瞎猜）"),
    "shift.panel.auc": ("Domain AUC of the discriminator on the inputs (dotted: 0.5)",
                        "输入上的域判别器的 AUC（点线：0.5）"),
    "shift.tr.so_source": ("source only · source", "只用源域 · 源域"),
    "shift.tr.so_target": ("source only · target", "只用源域 · 目标域"),
    "shift.tr.dann_source": ("DANN · source", "DANN · 源域"), "shift.tr.dann_target": ("DANN · target", "DANN · 目标域"),
    "shift.tr.domain_loss": ("domain loss", "域损失"), "shift.tr.auc": ("domain AUC", "域 AUC"),
    "aug.intro": ("Can a GAN make extra training data for a classifier? Done right: a conditional GAN learns from the "
                  "few labelled images only, every generated image keeps the class it was generated for, and a "
                  "classifier trained on real + generated images is compared with one trained on the real images "
                  "only, both tested on the whole test set, over several seeds.",
                  "GAN 能为分类器生成额外的训练数据吗？正确的做法：条件 GAN 只从少量有标签图像中学习，每张生成图像都"
                  "保留生成时指定的类别；用真实 + 生成图像训练的分类器与只用真实图像训练的分类器比较，二者都在完整的"
                  "测试集上测试，并重复多个随机种子。"),
    "aug.labels": ("Labelled images per class", "每类有标签的图像数"),
    "aug.labels_help": ("How many real labelled images of each class the GAN and the classifiers may use.",
                        "GAN 和分类器可以使用的每类真实有标签图像的数量。"),
    "aug.seeds": ("Seeds (repeats)", "随机种子（重复次数）"),
    "aug.seeds_help": ("Each seed draws other labelled images and trains everything anew: the spread over seeds "
                       "shows how much of a difference is luck.",
                       "每个种子抽取不同的有标签图像并重新训练全部网络：种子之间的差异显示有多少差别来自运气。"),
    "aug.gan_steps": ("GAN steps per seed", "每个种子的 GAN 步数"),
    "aug.clf_steps": ("Classifier steps per seed", "每个种子的分类器步数"),
    "aug.gen": ("Generated images per class", "每类生成图像数"),
    "aug.start": ("Run the experiment", "运行实验"), "aug.stop": ("Stop", "停止"),
    "aug.no_run": ("Press Run the experiment: for each seed a conditional GAN trains on the labelled images, then "
                   "three classifiers train side by side.",
                   "按“运行实验”：每个种子先在有标签图像上训练条件 GAN，然后并排训练三个分类器。"),
    "aug.progress": ("Seed {r} of {n}: {phase}", "第 {r} / {n} 个种子：{phase}"),
    "aug.phase.gan": ("training the conditional GAN", "训练条件 GAN"),
    "aug.phase.classify": ("training the classifiers", "训练分类器"), "aug.phase.done": ("done", "完成"),
    "aug.samples": ("The conditional generator: one row per class", "条件生成器：每行一个类别"),
    "aug.samples_cap": ("Every row was generated for one class label, and that label goes with the images into the "
                        "classifier's training data.",
                        "每一行都是为一个类别标签生成的，这个标签随图像一起进入分类器的训练数据。"),
    "aug.curves": ("Live curves", "实时曲线"),
    "aug.panel.gan": ("Conditional GAN losses", "条件 GAN 的损失"),
    "aug.panel.acc": ("Classifier test accuracy while it trains", "分类器训练中的测试准确率"),
    "aug.tr.loss_d": ("loss_D", "loss_D"), "aug.tr.loss_g": ("loss_G", "loss_G"),
    "aug.arm.real_only": ("real only", "只用真实图像"), "aug.arm.augmented": ("real + generated", "真实 + 生成"),
    "aug.arm.random_labels": ("real + generated, random labels", "真实 + 生成（随机标签）"),
    "aug.results": ("Results over seeds, on the whole test set", "多个种子的结果（完整测试集）"),
    "aug.results_wait": ("The first result appears when the first seed is done.", "第一个种子完成后会出现第一个结果。"),
    "aug.verdict.helps": ("Augmentation helped in every seed: {gain:+.1f} points on average ({lo:+.1f} to {hi:+.1f}).",
                          "每个种子中数据增强都有帮助：平均 {gain:+.1f} 个百分点（{lo:+.1f} 到 {hi:+.1f}）。"),
    "aug.verdict.hurts": ("Augmentation hurt in every seed: {gain:+.1f} points on average ({lo:+.1f} to {hi:+.1f}).",
                          "每个种子中数据增强都有害：平均 {gain:+.1f} 个百分点（{lo:+.1f} 到 {hi:+.1f}）。"),
    "aug.verdict.mixed": ("No clear effect: {gain:+.1f} points on average, and the seeds disagree ({lo:+.1f} to "
                          "{hi:+.1f}).", "没有明显效果：平均 {gain:+.1f} 个百分点，各种子结果不一致（{lo:+.1f} 到 "
                          "{hi:+.1f}）。"),
    "aug.random_note": ("With random labels the same generated images reach {acc:.1%}: images with the wrong label "
                        "teach the classifier the wrong thing.",
                        "同样的生成图像配上随机标签只有 {acc:.1%}：标签错误的图像会教给分类器错误的东西。"),
    "aug.agreement": ("Label agreement", "标签一致率"),
    "aug.agreement_help": ("How often the real-only classifier recognises the class a generated image was made for; "
                           "low means the generator ignores its labels.",
                           "只用真实图像训练的分类器认出生成图像所属类别的比例；偏低说明生成器没有遵循标签。"),
    "aug.when": ("When does it help? Run it with very few labels (1–5 per class) and with many (50 or more): with "
                 "many real labels the generated images add little that the real ones do not already show.",
                 "什么时候有帮助？分别用很少的标签（每类 1–5 个）和很多的标签（50 个以上）运行：真实标签很多时，"
                 "生成图像几乎没有带来真实图像中没有的东西。"),
    "aug.col.seed": ("seed", "种子"),
    # ---- attacks page: adversarial examples and adversarial training (lessons 6 and 7; attacks helper) -------
    "page.attacks": ("Adversarial attacks", "对抗攻击"),
    "page.compare": ("Compare runs", "比较训练"),
    "compare.intro": ("Pick runs: their quality metrics overlaid on one step axis, a table of final figures, and "
                      "their sample grids at the same step side by side. Runs trained with other settings on the "
                      "same data show which knob made the difference.",
                      "选择几次训练：质量指标画在同一步数轴上，列出最终数值的表格，并在同一步并排显示样本网格。"
                      "在同一数据上用不同设置训练的几次训练，可以看出是哪个超参数带来了差别。"),
    "compare.runs": ("Runs", "训练"),
    "compare.runs_help": ("Up to 8 runs, live or finished.", "最多 8 次训练，进行中或已结束均可。"),
    "compare.metrics": ("Metrics", "指标"),
    "compare.pick": ("Pick at least one run (the Train page makes them).", "请至少选择一次训练（在“训练”页面创建）。"),
    "compare.no_metrics": ("No metrics yet: these runs have not logged any.", "这些训练还没有记录任何指标。"),
    "compare.no_eval": ("No quality evaluation yet (it runs every eval_every steps): the losses are shown instead.",
                        "还没有质量评估（每 eval_every 步评估一次）：先显示损失。"),
    "compare.table": ("Final figures", "最终数值"),
    "compare.samples": ("Samples at the same step", "同一步的样本"),
    "compare.step": ("Step", "步数"),
    "compare.step_help": ("Each run shows its grid saved at this step, or the last one before it.",
                          "每次训练显示在该步保存的样本网格，若没有则显示之前最近的一张。"),
    "compare.shown_step": ("{run} · step {step:,}", "{run} · 第 {step:,} 步"),
    "compare.no_samples": ("{run}: no sample grid saved (2-D runs: their last plane below).",
                           "{run}：没有保存样本网格（二维数据的训练在下方显示其最后的平面图）。"),
    "compare.col.run": ("run", "训练"), "compare.col.dataset": ("dataset", "数据集"),
    "compare.col.model": ("model · loss", "模型 · 损失"), "compare.col.state": ("state", "状态"),
    "compare.col.steps": ("steps", "步数"), "compare.col.best": ("best {m}", "最佳 {m}"),
    "compare.m.fid": ("FID", "FID"), "compare.m.kid": ("KID", "KID"),
    "compare.m.class_entropy": ("class entropy (bits)", "类别熵（比特）"),
    "compare.m.classes_covered": ("classes drawn", "生成的类别数"),
    "compare.m.precision": ("precision", "精确率"), "compare.m.recall": ("recall", "召回率"),
    "compare.m.modes_covered": ("modes covered", "覆盖模式数"), "compare.m.hq_fraction": ("high-quality share", "高质量样本比例"),
    "compare.m.js": ("JS divergence (bits)", "JS 散度（比特）"), "compare.m.kl": ("KL divergence (bits)", "KL 散度（比特）"),
    "compare.m.loss_d": ("D loss", "判别器损失"), "compare.m.loss_g": ("G loss", "生成器损失"),
    "compare.m.d_real": ("D(x)", "D(x)"), "compare.m.d_fake": ("D(G(z))", "D(G(z))"),
    "atk.intro": ("Lesson 6: a tiny, carefully chosen perturbation of an image (an adversarial example) changes what a "
                  "classifier says. Lesson 7: adversarial training makes the classifier robust to it.",
                  "第 6 课：对图像加一个精心选择的微小扰动（对抗样本），就能改变分类器的判断。"
                  "第 7 课：对抗训练让分类器对这种扰动具有鲁棒性。"),
    "atk.dataset": ("Dataset", "数据集"),
    "atk.model": ("Model under attack", "被攻击的模型"),
    "atk.model.standard": ("standard classifier", "普通分类器"),
    "atk.model.robust": ("robust classifier (adversarially trained)", "鲁棒分类器（对抗训练）"),
    "atk.model.discriminator": ("the GAN's discriminator", "GAN 的判别器"),
    "atk.loading": ("Loading the classifier (trained once per dataset; digits takes a few seconds)…",
                    "正在加载分类器（每个数据集只训练一次；digits 需要几秒钟）……"),
    "atk.method": ("Attack", "攻击方法"),
    "atk.eps_help": ("Radius of the L∞ ball: no pixel may change by more than eps (pixels lie in 0..1). Allowed: 0 to 1.",
                     "L∞ 球的半径：每个像素的改变都不超过 eps（像素取值 0..1）。允许范围：0 到 1。"),
    "atk.alpha_help": ("PGD step size α: each iteration moves every pixel by α along the sign of the gradient (FGSM "
                       "takes one step of eps). Allowed: above 0, up to 1.",
                       "PGD 步长 α：每次迭代沿梯度符号把每个像素移动 α（FGSM 只走一步，步长为 eps）。允许范围：大于 0，不超过 1。"),
    "atk.steps": ("Iterations", "迭代次数"),
    "atk.steps_help": ("PGD iterations (1 to 1000); FGSM ignores it.", "PGD 的迭代次数（1 到 1000）；FGSM 不使用。"),
    "atk.target": ("Target class", "目标类别"),
    "atk.untargeted": ("none (untargeted)", "无（非定向攻击）"),
    "atk.random_start": ("Random start", "随机起点"),
    "atk.random_start_help": ("PGD begins at a random point of the eps-ball (Madry et al.) instead of at the image.",
                              "PGD 从 eps 球内的随机点出发（Madry 等人），而不是从原图出发。"),
    "atk.bad_knob": ("Cannot attack with these settings: {msg}", "无法用这些设置进行攻击：{msg}"),
    "atk.no_robust": ("No robust classifier yet: train one in the adversarial-training panel below (same dataset). "
                      "Showing the standard classifier.",
                      "还没有鲁棒分类器：请在下方的对抗训练面板中训练一个（同一数据集）。现在显示的是普通分类器。"),
    "atk.model_acc": ("Standard classifier · test accuracy {acc:.1%}", "普通分类器 · 测试准确率 {acc:.1%}"),
    "atk.robust_from": ("Robust classifier from this page's run ({id})", "来自本页训练的鲁棒分类器（{id}）"),
    "atk.sec_one": ("1 · Attack one test image", "1 · 攻击一张测试图像"),
    "atk.index": ("Test image", "测试图像"),
    "atk.random": ("Random image", "随机图像"),
    "atk.label": ("True class", "真实类别"),
    "atk.pred_before": ("Prediction before", "攻击前的预测"),
    "atk.pred_after": ("Prediction after", "攻击后的预测"),
    "atk.conf": ("Probability of the predicted class: {p:.1%}", "预测类别的概率：{p:.1%}"),
    "atk.flipped": ("label flipped", "标签被翻转"), "atk.held": ("label held", "标签未变"),
    "atk.linf": ("Largest pixel change", "最大像素改变量"),
    "atk.linf_help": ("‖x_adv − x‖∞: the attack never exceeds eps.", "‖x_adv − x‖∞：攻击永远不会超过 eps。"),
    "atk.bound": ("Perturbation bound eps = {eps:.3f}; the largest pixel change is {linf:.3f}.",
                  "扰动上限 eps = {eps:.3f}；实际最大像素改变量为 {linf:.3f}。"),
    "atk.fig.original": ("original", "原图"), "atk.fig.delta": ("perturbation (±eps)", "扰动（±eps）"),
    "atk.fig.adversarial": ("adversarial example", "对抗样本"),
    "atk.before": ("before", "攻击前"), "atk.after": ("after", "攻击后"),
    "atk.class": ("class", "类别"), "atk.prob": ("probability", "概率"), "atk.accuracy": ("accuracy", "准确率"),
    "atk.notice_one": ("**What to notice:** the adversarial image looks the same as the original to you, yet the "
                       "classifier's probabilities move, often enough to flip the label. The perturbation is not random "
                       "noise: it follows the sign of the loss gradient.",
                       "**注意观察：**对抗样本在你看来和原图一样，但分类器的概率变了，常常足以翻转标签。"
                       "扰动不是随机噪声：它沿着损失函数梯度的符号方向。"),
    "atk.sec_curve": ("2 · Accuracy against eps (300 test images)", "2 · 准确率随 eps 的变化（300 张测试图像）"),
    "atk.notice_curve": ("**What to notice:** accuracy falls as eps grows; PGD (solid, many small projected steps) "
                         "is at least as strong as FGSM (dashed, one step), so its curve lies lower. After adversarial "
                         "training the robust model's curve (green) stays high much longer.",
                         "**注意观察：**准确率随 eps 增大而下降；PGD（实线，多次小步投影）至少和 FGSM（虚线，一步）一样强，"
                         "所以它的曲线更低。对抗训练之后，鲁棒模型的曲线（绿色）在更大的 eps 下仍保持较高。"),
    "atk.sec_train": ("3 · Adversarial training", "3 · 对抗训练"),
    "atk.notice_train": ("Each step trains the classifier on PGD (or FGSM with a random start) examples of the current "
                         "model (Madry et al.). **What to notice:** the loss falls slowly and noisily (the convergence "
                         "problem), clean accuracy drops a little, robust (PGD) accuracy climbs far above the standard "
                         "model's.",
                         "每一步都用当前模型的 PGD（或带随机起点的 FGSM）对抗样本训练分类器（Madry 等人）。"
                         "**注意观察：**损失下降得缓慢且有噪声（收敛问题），干净准确率略有下降，"
                         "鲁棒（PGD）准确率则远高于普通模型。"),
    "atk.method_train": ("Method", "方法"),
    "atk.iterations": ("Iterations", "迭代次数"),
    "atk.lr": ("Learning rate", "学习率"),
    "atk.train_steps": ("Training steps", "训练步数"),
    "atk.no_run": ("Press Start: a classifier is trained on adversarial examples in the background; its clean and "
                   "robust accuracy appear here.",
                   "按“开始”：在后台用对抗样本训练一个分类器；它的干净准确率和鲁棒准确率会显示在这里。"),
    "atk.status": ("Step {step:,} of {total:,} · {state}", "第 {step:,} / {total:,} 步 · {state}"),
    "atk.step": ("Step", "步数"),
    "atk.tr.clean": ("Clean accuracy", "干净准确率"), "atk.tr.robust": ("Robust accuracy (PGD)", "鲁棒准确率（PGD）"),
    "atk.tr.train": ("training-batch accuracy", "训练批次准确率"), "atk.tr.loss": ("training loss", "训练损失"),
    "atk.robust_help": ("Accuracy on 500 held-out images under PGD with eps = {eps} (20 steps).",
                        "在 eps = {eps} 的 PGD（20 步）攻击下，500 张留出图像上的准确率。"),
    "atk.panel.acc": ("Accuracy on held-out images", "留出图像上的准确率"),
    "atk.panel.loss": ("Loss (cross-entropy on the training batch)", "损失（训练批次上的交叉熵）"),
    "atk.sec_disc": ("Fool the GAN's discriminator", "欺骗 GAN 的判别器"),
    "atk.no_gan": ("Pick a GAN run on images in the sidebar (train one on the Train page) to attack its discriminator.",
                   "请在侧边栏选择一个图像 GAN 训练（可在“训练”页训练一个），以攻击它的判别器。"),
    "atk.fake_to_real": ("A generated sample pushed towards “real”", "把生成样本推向“真实”"),
    "atk.real_to_fake": ("A real sample pushed towards “fake”", "把真实样本推向“生成”"),
    "atk.d_out": ("D(x) after: probability of “real”", "攻击后的 D(x)：判为“真实”的概率"),
    "atk.d_out_help": ("Before the attack: {p:.2f}.", "攻击前：{p:.2f}。"),
    "atk.disc_text": ("**What to notice:** with a small eps the discriminator is fooled both ways: the perturbation is "
                      "invisible, yet D calls the fake real and the real fake. D is a classifier like any other.",
                      "**注意观察：**在很小的 eps 下，判别器在两个方向上都被欺骗：扰动肉眼看不见，"
                      "但 D 把生成样本判为真实、把真实样本判为生成。D 和其他分类器一样容易被攻击。"),
    # ---- Plotly's own chart controls (modebar tooltips, hints): "plotly:<its English text>" -------------
    "plotly:Zoom": ("Zoom", "缩放"), "plotly:Pan": ("Pan", "平移"), "plotly:Zoom in": ("Zoom in", "放大"),
    "plotly:Zoom out": ("Zoom out", "缩小"), "plotly:Autoscale": ("Autoscale", "自动缩放"),
    "plotly:Reset axes": ("Reset axes", "重置坐标轴"), "plotly:Reset view": ("Reset view", "重置视图"),
    "plotly:Box Select": ("Box Select", "矩形框选"), "plotly:Lasso Select": ("Lasso Select", "套索选择"),
    "plotly:Download plot as a png": ("Download plot as a png", "下载为 PNG 图片"),
    "plotly:Download plot": ("Download plot", "下载图表"),
    "plotly:Double-click to zoom back out": ("Double-click to zoom back out", "双击恢复原来的缩放"),
    "plotly:Double-click on legend to isolate one trace": ("Double-click on legend to isolate one trace",
                                                           "双击图例只显示这一条曲线"),
    "plotly:Show closest data on hover": ("Show closest data on hover", "悬停时显示最近的数据"),
    "plotly:Compare data on hover": ("Compare data on hover", "悬停时比较数据"),
    "plotly:Toggle Spike Lines": ("Toggle Spike Lines", "显示或隐藏参考线"),
    "plotly:Taking snapshot - this may take a few seconds": ("Taking snapshot - this may take a few seconds",
                                                              "正在截图，可能需要几秒钟"),
    "plotly:Snapshot succeeded": ("Snapshot succeeded", "截图成功"),
    # ---- your own data: what is wrong with a file ------------------------------------------------
    "own.err.size": ("the file has {mb:.1f} MB; the limit is {limit} MB", "文件大小为 {mb:.1f} MB，上限是 {limit} MB"),
    "own.err.encoding": ("the file is not UTF-8 text; save it as a CSV", "文件不是 UTF-8 文本，请另存为 CSV"),
    "own.err.empty": ("the file is empty", "文件是空的"),
    "own.err.columns": ("row {row} has {n} columns ({line!r}); need exactly two: x, y",
                        "第 {row} 行有 {n} 列（{line!r}）；需要恰好两列：x, y"),
    "own.err.number": ("row {row} ({line!r}) is not two numbers", "第 {row} 行（{line!r}）不是两个数字"),
    "own.err.shape": ("need points of shape (n, 2), got {shape}", "需要形状为 (n, 2) 的点，实际为 {shape}"),
    "own.err.finite": ("some values are not finite numbers (NaN or infinity)", "有些值不是有限的数（NaN 或无穷大）"),
    "own.err.count": ("{n} points; need {lo} to {hi}", "共 {n} 个点；需要 {lo} 到 {hi} 个"),
    # ---- errors --------------------------------------------------------------------------------
    "err.run_missing": ("Run {run} was not found in the runs folder.", "在运行文件夹中找不到训练 {run}。"),
    "err.generic": ("Something went wrong: {msg}", "出错了：{msg}"),
}


def current_lang() -> str:
    """The language of this browser session ("en" or "zh"); "en" outside a Streamlit script."""
    try:
        import streamlit as st

        lang = st.session_state.get("lang", "en")
    except Exception:  # noqa: BLE001 - no Streamlit context (plain tests, bench scripts)
        lang = "en"
    return lang if lang in LANGS else "en"


def t(key: str, /, lang: str | None = None, **values: object) -> str:
    """The text for ``key`` in ``lang`` (default: the session's), with ``{placeholders}`` filled."""
    pair = T.get(key)
    if pair is None:
        return key
    text = pair[1] if (lang or current_lang()) == "zh" else pair[0]
    if values:
        try:
            return text.format(**values)
        except (KeyError, ValueError, IndexError):
            return text
    return text
